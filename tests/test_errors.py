"""The wording helpers every user-facing problem shares."""

from __future__ import annotations

import pytest

from sim.errors import BatchInterrupted, Terminated, did_you_mean

PARTY_FIELDS = ["capability", "positions", "salience", "patience", "loss", "concession"]


@pytest.mark.parametrize(
    ("word", "known", "suggestion"),
    [
        ("capabilty", PARTY_FIELDS, "; did you mean capability?"),
        ("patiense", PARTY_FIELDS, "; did you mean patience?"),
        ("colour", PARTY_FIELDS, ""),
        ("capability", [], ""),
        # a path: the one step that differs must be spelt close, whatever the steps shared
        ("parties.north.war_cots", ["parties.north.war_cost", "parties.north.loss"],
         "; did you mean parties.north.war_cost?"),
        ("parties.north.stubbornness", ["parties.north.war_cost", "parties.north.loss"], ""),
        ("parties.nort.war_cost", ["parties.north.war_cost", "parties.south.war_cost"],
         "; did you mean parties.north.war_cost?"),
        # two steps differ: not a misspelling of that path
        ("parties.nort.war_cots", ["parties.north.war_cost"], ""),
        ("parties.north", ["parties.north.war_cost"], ""),
    ],
)  # fmt: skip
def test_did_you_mean_suggests_the_closest_known_name(word, known, suggestion):
    assert did_you_mean(word, known) == suggestion


@pytest.mark.parametrize(("interrupt", "status"), [(KeyboardInterrupt, 130), (Terminated, 143)])
def test_an_interrupted_batch_keeps_its_exit_status_when_told_again(interrupt, status):
    """A sweep tells a batch's interruption again, naming its point: still 130 or 143."""
    with pytest.raises(BatchInterrupted) as told:
        try:
            try:
                raise interrupt
            except KeyboardInterrupt:
                raise BatchInterrupted("interrupted: 2 of 5 blocks done") from None
        except BatchInterrupted:
            raise BatchInterrupted("interrupted at point b: 1 of 3 points done") from None
    assert told.value.exit_status == status
