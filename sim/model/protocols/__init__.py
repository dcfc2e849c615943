"""Bargaining protocols, by the scenario's ``protocol.kind`` (the interface:
:mod:`sim.model.protocols.base`)."""

from sim.model.protocols.alternating import Alternating
from sim.model.protocols.base import Proposal, Protocol, Round
from sim.model.protocols.compromise import Compromise
from sim.model.protocols.expected_utility import ExpectedUtility
from sim.model.protocols.mediated import Mediated

PROTOCOLS: dict[str, type[Protocol]] = {
    "mediated": Mediated,
    "alternating": Alternating,
    "expected_utility": ExpectedUtility,
    "compromise": Compromise,
}

__all__ = ["PROTOCOLS", "Proposal", "Protocol", "Round"]
