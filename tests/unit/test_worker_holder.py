"""Each lease a worker takes is held under an id of its own, so the server's holder fencing separates two
leases of one task by one worker (a late commit of the first can never land under the second)."""
from __future__ import annotations

from streamvisor.client.tasks import TaskClient
from streamvisor.worker.runner import MAX_HOLDER_LENGTH, Worker
from streamvisor.worker.sinks import open_sink


def test_every_lease_gets_a_distinct_holder_within_the_servers_limit(tmp_path):
    worker = Worker("127.0.0.1:1", open_sink(str(tmp_path)), "w" * 300,
                    client=TaskClient("127.0.0.1:1", retry_for_s=0, timeout=1))
    holders = [worker._new_holder() for _ in range(1000)]
    assert len(set(holders)) == 1000
    assert all(len(h) <= MAX_HOLDER_LENGTH and h.startswith("w") for h in holders)
    short = Worker("127.0.0.1:1", open_sink(str(tmp_path)), "host-1",
                   client=TaskClient("127.0.0.1:1", retry_for_s=0, timeout=1))
    assert [short._new_holder(), short._new_holder()] == ["host-1#1", "host-1#2"]
