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


def test_sum_out_is_exact_for_large_fields_and_matches_numpy():
    import torch

    from rgdl.core.units import sum_out

    x = np.array([[-50.0, -3.0, 0.0, 2.5, 20.5, 35.0, 60.0]])
    exact0 = np.logaddexp(0.0, x).sum(-1)
    exact1 = np.logaddexp(x, -x).sum(-1)
    np.testing.assert_allclose(sum_out(x, False), exact0, rtol=1e-15)
    np.testing.assert_allclose(sum_out(torch.tensor(x), True).numpy(), exact1, rtol=1e-15)


def test_state_index_inverts_the_enumeration():
    from rgdl.core.states import spin_states, state_index

    s = spin_states(5)
    assert np.array_equal(state_index(s), np.arange(32))
    assert np.array_equal(state_index((s + 1) // 2, values=(0, 1)), np.arange(32))
