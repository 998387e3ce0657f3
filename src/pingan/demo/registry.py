"""Every domain's demo generator, in the order ``pingan demo`` runs them: a generator runs after
those whose records it uses (the warning orders link to the fraud cases)."""

from pingan.demo.dissuasion import WARNINGS
from pingan.demo.fraud import FRAUD
from pingan.demo.generator import DomainDemo
from pingan.demo.hazards import HAZARDS
from pingan.demo.petitions import PETITIONS
from pingan.demo.receptions import RECEPTIONS

DOMAIN_DEMOS: tuple[DomainDemo, ...] = (HAZARDS, PETITIONS, RECEPTIONS, FRAUD, WARNINGS)
