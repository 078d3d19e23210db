"""bench/inprocess.py reports a cost it cannot tell from noise as such."""

from bench.inprocess import cost_and_noise, show_cost, show_ratio


def test_a_cost_within_its_noise_is_reported_as_below_noise():
    cost = cost_and_noise([101, 99, 102, 98, 100], [100, 100, 100, 100, 100])
    assert show_cost(*cost).startswith("below noise")


def test_a_negative_difference_is_never_reported_as_a_negative_cost():
    cost = cost_and_noise([22, 20, 25, 21, 24], [100, 98, 101, 99, 100])
    assert show_cost(*cost).startswith("below noise")
    assert "-" not in show_cost(*cost)


def test_a_cost_above_its_noise_is_reported_with_its_noise():
    cost = cost_and_noise([140, 142, 138, 141, 139], [100, 100, 100, 100, 100])
    assert show_cost(*cost) == "40 ±1"


def test_no_ratio_is_given_against_a_cost_below_noise():
    ours = cost_and_noise([-78, -70, -85], [0, 0, 0])
    theirs = cost_and_noise([5000, 5100, 4900], [0, 0, 0])
    assert show_ratio(ours, theirs) == "n/a"
    assert show_ratio((50.0, 5.0), theirs) == "100.0x"
