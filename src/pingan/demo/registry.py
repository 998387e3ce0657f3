"""Every domain's demo generator, in the order ``pingan demo`` runs them: a generator runs after
those whose records it uses (the warning orders link to the fraud cases; the league is
computed from every domain before it; supervision's tasks follow the league's weak indicators;
the suggestions' key items are supervised by supervision's deputy district head)."""

from pingan.demo.dissuasion import WARNINGS
from pingan.demo.fraud import FRAUD
from pingan.demo.generator import DomainDemo
from pingan.demo.hazards import HAZARDS
from pingan.demo.league import LEAGUE
from pingan.demo.petitions import PETITIONS
from pingan.demo.receptions import RECEPTIONS
from pingan.demo.suggestions import SUGGESTIONS
from pingan.demo.supervision import SUPERVISION

DOMAIN_DEMOS: tuple[DomainDemo, ...] = (HAZARDS, PETITIONS, RECEPTIONS, FRAUD, WARNINGS, LEAGUE,
                                       SUPERVISION, SUGGESTIONS)
