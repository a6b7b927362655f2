"""When reading a Kinesis shard counts as caught up (streams/kinesis/client.py read_to_tip): pure loop logic
over scripted GetRecords pages, no endpoint."""
from streamvisor.streams.kinesis.client import MAX_RECORDS_PER_CALL, read_to_tip


class ScriptedShard:
    """GetRecords answering the scripted pages in order: (record count, MillisBehindLatest, last page)."""

    def __init__(self, pages):
        self.pages = list(pages)
        self.calls = 0
        self.next_sequence = 0

    def get_records(self, ShardIterator, Limit):  # noqa: N803 - boto3's keyword names
        count, behind, closed = self.pages[self.calls]
        self.calls += 1
        assert count <= Limit
        records = [{"SequenceNumber": str(self.next_sequence + i)} for i in range(count)]
        self.next_sequence += count
        response = {"Records": records, "MillisBehindLatest": behind}
        if not closed:
            response["NextShardIterator"] = f"it-{self.calls}"
        return response


def test_a_page_that_is_not_full_at_the_tip_is_caught_up_even_with_records():
    # A steadily written shard: every page holds the few records written since the last one.
    shard = ScriptedShard([(MAX_RECORDS_PER_CALL, 5000, False), (40, 0, False), (35, 0, False), (30, 0, False)])
    records, ended = read_to_tip(shard, "it-0")
    assert shard.calls == 2 and not ended
    assert [r["SequenceNumber"] for r in records] == ["0", str(MAX_RECORDS_PER_CALL + 39)]


def test_pages_behind_the_tip_are_read_on_and_a_full_page_is_never_the_end():
    shard = ScriptedShard([(10, 900, False), (MAX_RECORDS_PER_CALL, 0, False), (0, 0, False), (7, 0, False)])
    records, _ = read_to_tip(shard, "it-0")
    assert shard.calls == 3 and records[-1]["SequenceNumber"] == str(10 + MAX_RECORDS_PER_CALL - 1)


def test_an_empty_shard_at_the_tip_has_no_records():
    shard = ScriptedShard([(0, 0, False), (3, 0, False)])
    assert read_to_tip(shard, "it-0") == ([], False) and shard.calls == 1


def test_a_closed_shard_ends_where_its_iterator_does():
    shard = ScriptedShard([(MAX_RECORDS_PER_CALL, 100, False), (5, 100, True)])
    records, ended = read_to_tip(shard, "it-0")
    assert ended and shard.calls == 2 and len(records) == 2


def test_stop_at_first_returns_the_first_record_read():
    shard = ScriptedShard([(0, 50, False), (1, 10, False), (1, 0, False)])
    assert read_to_tip(shard, "it-0", stop_at_first=True) == ([{"SequenceNumber": "0"}], False)
    assert shard.calls == 2


def test_a_closed_shard_is_read_past_short_pages_to_its_end():
    # A closed shard's end is cached for good: a short page at MillisBehindLatest 0 (a 10 MiB page, or
    # kinesis-mock's 0 for every record of one PutRecords batch) must not end it early.
    pages = [(MAX_RECORDS_PER_CALL, 100, False), (900, 0, False), (300, 0, False), (0, 0, False), (9, 0, False)]
    shard = ScriptedShard(pages)
    records, ended = read_to_tip(shard, "it-0", closed=True)
    assert shard.calls == 4 and not ended
    assert records[-1]["SequenceNumber"] == str(MAX_RECORDS_PER_CALL + 900 + 300 - 1)
    open_shard = ScriptedShard(pages)
    assert read_to_tip(open_shard, "it-0")[0][-1]["SequenceNumber"] == str(MAX_RECORDS_PER_CALL + 900 - 1)


def test_a_closed_shard_ends_at_its_last_iterator_even_behind_the_tip():
    shard = ScriptedShard([(MAX_RECORDS_PER_CALL, 100, False), (5, 100, True)])
    assert read_to_tip(shard, "it-0", closed=True)[1] and shard.calls == 2
