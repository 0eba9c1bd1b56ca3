"""States of an ESSOC request, its admissibility, and the four tabs of "Mes demandes" (manual §4)."""

from __future__ import annotations

from enum import StrEnum

from contracts.errors import DomainError


class RequestState(StrEnum):
    DEPOSEE = "deposee"
    PRISE_EN_CHARGE = "prise_en_charge"
    REFUSEE = "refusee"
    CLOTUREE = "cloturee"

    @property
    def is_open(self) -> bool:
        """Filed or taken in charge: the requester may still add complements and attachments (§5.1)."""
        return self in (RequestState.DEPOSEE, RequestState.PRISE_EN_CHARGE)

    @property
    def tab(self) -> RequestTab:
        return _TAB_OF_STATE[self]

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


class Admissibility(StrEnum):
    """Recevabilité: en attente → à l'étude (on take-charge) → oui | non."""

    EN_ATTENTE = "en_attente"
    A_L_ETUDE = "a_l_etude"
    OUI = "oui"
    NON = "non"

    @property
    def label(self) -> str:
        return _ADMISSIBILITY_LABELS[self]


class RequestTab(StrEnum):
    DEPOSEES = "deposees"
    PRISES_EN_CHARGE = "prises-en-charge"
    REFUSEES = "refusees"
    CLOTUREES = "cloturees"

    @property
    def state(self) -> RequestState:
        return next(state for state, tab in _TAB_OF_STATE.items() if tab is self)

    @classmethod
    def parse(cls, value: str) -> RequestTab:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(tab.value for tab in cls)
            raise DomainError(f"Onglet inconnu « {value} » (attendu : {allowed}).", field="tab") from None


_TAB_OF_STATE = {
    RequestState.DEPOSEE: RequestTab.DEPOSEES,
    RequestState.PRISE_EN_CHARGE: RequestTab.PRISES_EN_CHARGE,
    RequestState.REFUSEE: RequestTab.REFUSEES,
    RequestState.CLOTUREE: RequestTab.CLOTUREES,
}
_STATE_LABELS = {
    RequestState.DEPOSEE: "Déposée",
    RequestState.PRISE_EN_CHARGE: "Prise en charge",
    RequestState.REFUSEE: "Refusée",
    RequestState.CLOTUREE: "Clôturée",
}
_ADMISSIBILITY_LABELS = {
    Admissibility.EN_ATTENTE: "En attente",
    Admissibility.A_L_ETUDE: "À l'étude",
    Admissibility.OUI: "Oui",
    Admissibility.NON: "Non",
}


class BoardTab(StrEnum):
    """The tabs of the agents' board: the queues of the instruction, in the order of the workflow."""

    A_TRAITER = "a-traiter"
    SUIVIES = "suivies"
    PRISES_EN_CHARGE = "prises-en-charge"
    REFUSEES = "refusees"
    CLOTUREES = "cloturees"

    @property
    def label(self) -> str:
        return _BOARD_LABELS[self]

    @property
    def state(self) -> RequestState:
        """À traiter: filed and taken by nobody; suivies par moi: taken in charge and followed by the agent."""
        return _BOARD_STATES[self]

    @property
    def mine(self) -> bool:
        return self is BoardTab.SUIVIES


_BOARD_LABELS = {
    BoardTab.A_TRAITER: "À traiter",
    BoardTab.SUIVIES: "Suivies par moi",
    BoardTab.PRISES_EN_CHARGE: "Prises en charge",
    BoardTab.REFUSEES: "Refusées",
    BoardTab.CLOTUREES: "Clôturées",
}
_BOARD_STATES = {
    BoardTab.A_TRAITER: RequestState.DEPOSEE,
    BoardTab.SUIVIES: RequestState.PRISE_EN_CHARGE,
    BoardTab.PRISES_EN_CHARGE: RequestState.PRISE_EN_CHARGE,
    BoardTab.REFUSEES: RequestState.REFUSEE,
    BoardTab.CLOTUREES: RequestState.CLOTUREE,
}
