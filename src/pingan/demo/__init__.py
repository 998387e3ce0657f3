"""The demo district (柯城区) and a year of its work, made through the real services.

    district.py    the unit tree, departments and personas (also the tests' fixtures)
    generator.py   the one shape of a domain's generator: DemoContext in, Summary out (DomainDemo)
    registry.py    DOMAIN_DEMOS: every domain's generator, in the order ``pingan demo`` runs them
    people.py      invented names, ID numbers and staff hiring, for every domain
    play.py        playing a planned year: steps, chunks, nightly escalation sweeps, notices read
    hazards.py, petitions.py, receptions.py, fraud.py, dissuasion.py   one domain each
    texts.py, petition_texts.py   the words, kept apart from the logic
"""
