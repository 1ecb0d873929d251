"""Facts about what the clouds sell and what the platform pins, each with its source and date."""
