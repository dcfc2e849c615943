"""Bargaining protocols, by the scenario's ``protocol.kind``."""

from sim.model.protocols.base import Proposal, Protocol, Round
from sim.model.protocols.mediated import Mediated

PROTOCOLS: dict[str, type[Protocol]] = {"mediated": Mediated}

__all__ = ["PROTOCOLS", "Proposal", "Protocol", "Round"]
