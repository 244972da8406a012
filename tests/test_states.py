import numpy as np
import pytest

from rgdl.core.states import spin_states


def test_rows_are_the_bits_of_their_index():
    s = spin_states(3)
    assert s.shape == (8, 3) and s.dtype == np.int8
    np.testing.assert_array_equal(s[0], [-1, -1, -1])
    np.testing.assert_array_equal(s[5], [1, -1, 1])  # 5 = 0b101: bits 0 and 2 set
    assert len({tuple(r) for r in s}) == 8
    assert spin_states(0).shape == (1, 0)


def test_bad_n():
    with pytest.raises(ValueError, match="n"):
        spin_states(-1)
