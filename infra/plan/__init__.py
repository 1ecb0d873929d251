"""Planning: run the program offline, check it with the policy pack, price it."""
