"""benchmarks/ab_speed.py: the before/after report from samples (the timing itself is plan_speed's run_timed)."""

import pytest

from benchmarks.ab_speed import growth, main, report_of

RESOURCES = {10: 100, 100: 1000, 500: 5000}


def _samples(wall: dict[int, list[float]], cpu: dict[int, list[float]]) -> dict[int, dict[str, list[float]]]:
    return {pools: {"wall": wall[pools], "cpu": cpu[pools]} for pools in wall}


def test_growth_is_the_marginal_cost_up_to_the_largest_over_that_up_to_the_middle():
    # 100 -> 1000 resources: +9 s (10 ms each); 1000 -> 5000: +48 s (12 ms each): 1.2x.
    samples = _samples({10: [2.0, 3.0, 2.0], 100: [11.0], 500: [59.0]}, {10: [1.0], 100: [10.0], 500: [50.0]})
    assert growth(samples, RESOURCES, "wall") == pytest.approx(1.2)
    assert growth(samples, RESOURCES, "cpu") == pytest.approx(1.0)
    assert growth(samples, {10: 100, 100: 1000}, "wall") is None  # two stacks have no growth to compare


def test_report_gives_each_sides_medians_ratios_and_growth():
    before = _samples({10: [2.0], 100: [11.0], 500: [59.0]}, {10: [2.0], 100: [11.0], 500: [59.0]})
    after = _samples({10: [1.0, 1.5, 9.0], 100: [5.5], 500: [29.5]}, {10: [1.0], 100: [5.5], 500: [29.5]})
    report = report_of({"before": before, "after": after}, RESOURCES)
    first = report["cases"][0]
    assert (first["name"], first["resources"], first["before"]["wall"], first["after"]["wall"]) == ("pools:10", 100,
                                                                                                    2.0, 1.5)
    assert first["ratio"]["wall"] == pytest.approx(0.75)
    assert report["cases"][2]["ratio"] == {"wall": pytest.approx(0.5), "cpu": pytest.approx(0.5)}
    assert report["growth"]["before"]["wall"] == pytest.approx(1.2)
    assert report["growth"]["after"]["cpu"] == pytest.approx((24.0 / 4000) / (4.5 / 900))


def test_a_before_without_a_venv_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--before", str(tmp_path)])
    assert raised.value.code == 2
    assert f"--before {tmp_path}: no .venv/bin/python there" in capsys.readouterr().err
