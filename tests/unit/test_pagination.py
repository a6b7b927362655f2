import pytest

from streamvisor.domain import pagination
from streamvisor.domain.errors import InvalidArgument


def test_tokens_round_trip_for_the_same_query():
    token = pagination.encode_token("abc", {"states": ["RUNNING"]})
    assert pagination.decode_token(token, {"states": ["RUNNING"]}) == "abc"
    assert pagination.decode_token("", {"states": []}) is None


@pytest.mark.parametrize("token", ["garbage!", "eyJ4Ijox", "bm90IGpzb24", "W10", "e30"])
def test_malformed_tokens_are_invalid(token):
    with pytest.raises(InvalidArgument) as e:
        pagination.decode_token(token, {})
    assert e.value.reason == "INVALID_PAGE_TOKEN"


def test_a_token_from_another_query_is_rejected():
    token = pagination.encode_token("abc", {"states": ["RUNNING"]})
    with pytest.raises(InvalidArgument) as e:
        pagination.decode_token(token, {"states": ["SUSPENDED"]})
    assert "different query" in e.value.violations[0].description


def test_page_size_rules():
    assert pagination.page_size(0) == pagination.DEFAULT_PAGE_SIZE
    assert pagination.page_size(5) == 5
    assert pagination.page_size(10**6) == pagination.MAX_PAGE_SIZE
    with pytest.raises(InvalidArgument):
        pagination.page_size(-1)
