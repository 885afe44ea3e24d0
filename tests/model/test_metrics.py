"""The Slope and Relative Index of Inequality, checked against hand-worked cases."""

import numpy as np
import pytest

from healthgap.model.metrics import slope_index


def test_linear_gradient_with_equal_groups_recovers_the_line():
    # Ten equal groups on y = 10 + 5x at ranks 0.05, 0.15, ... 0.95: SII = 5, RII = 15/10.
    x = np.arange(10) / 10 + 0.05
    sii, rii = slope_index(10 + 5 * x, np.full(10, 100))
    assert sii == pytest.approx(5.0)
    assert rii == pytest.approx(1.5)


def test_ranks_use_population_shares():
    # Two groups, shares 0.2 and 0.8: ranks 0.1 and 0.6; the line through (0.1, 30), (0.6, 20)
    # has slope -20, fitted(0) = 32, fitted(1) = 12.
    sii, rii = slope_index([30.0, 20.0], [200, 800])
    assert sii == pytest.approx(-20.0)
    assert rii == pytest.approx(12 / 32)


def test_weighting_by_population_matters():
    values = [40.0, 20.0, 30.0]
    equal, _ = slope_index(values, [1, 1, 1])
    skewed, _ = slope_index(values, [1, 10, 1])
    assert equal != pytest.approx(skewed)


def test_flat_indicator_has_no_slope():
    sii, rii = slope_index([7.45] * 10, np.arange(1, 11))
    assert sii == pytest.approx(0.0, abs=1e-12)
    assert rii == pytest.approx(1.0)
