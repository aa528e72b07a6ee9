"""A Norwegian relevance set for the search (SPEC §11): records, queries, what should come first.

Each case lists groups of record IDs: the first group must fill the first places (in any
order, since records of one level come newest first), the next group the places after it, and
so on. The bench (`bench/search.py`) grades them for nDCG@10 (the first group 3, the next 2,
the rest 1) and MRR@10 (the first record of the first group found).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from storage import search

# (ID, title, tags, text): decisions (D), issues with their notes (I), meetings with agenda (M)
RECORDS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("D1", "Felles rutine for uttransport", ("retur",),
     "Rutinen gjelder alle regioner og trer i kraft 1. januar."),
    ("D2", "Tilbaketakelsesavtale med Irak", (),
     "Avtalen gir grunnlag for retur av irakiske borgere."),
    ("D3", "Returarbeid i region øst prioriteres", (), "Kapasiteten i region øst økes."),
    ("D4", "Mottakene skal melde ledige plasser ukentlig", (), "Gjelder alle statlige mottak."),
    ("D5", "Nye avtaler om tolketjenester", ("tolk",),
     "Avtalene med tolkeformidlerne fornyes for to år."),
    ("D6", "Praksis for lengeværende barn", (), "Barn med lang oppholdstid vurderes særskilt."),
    ("D7", "Dublin-overføringer til Italia stanses", (), "Midlertidig stans av overføringer."),
    ("D8", "Ålesund mottak legges ned", (), "Beboerne flyttes til Ørsta innen mars."),
    ("D9", "Statistikk over assisterte returer", ("statistikk",),
     "Månedlig rapport til departementet."),
    ("D10", "Samarbeid med PU om reisedokumenter", (),
     "PU skaffer reisedokumenter før uttransport."),
    ("D11", "Return routine for Dublin transfers", (),
     "The routine applies to all transfers to Italy."),
    ("D12", "Meeting notes are archived monthly", (), "Archiving follows the records schedule."),
    ("D13", "Høring om endring i utlendingsforskriften", (), "Høringsfristen er 1. mars."),
    ("D14", "Frivillig retur med reisestøtte", (), "Støtten utbetales ved avreise."),
    ("D15", "Tvangsretur krever vedtak", (), "Politiet gjennomfører tvangsreturer."),
    ("D16", "Identitetsavklaring før retur", (), "UNE og UDI deler opplysninger om identitet."),
    ("D17", "Økt kapasitet på Trandum", (), "Internatet får flere plasser fra februar."),
    ("D18", "Helsetjenester i mottak", (), "Beboere med helsebehov følges opp av kommunen."),
    ("D19", "Ål kommune får nytt mottak", (), "Åpner i april."),
    ("I1", "Mottak i nord mangler tolk", (),
     "Tolketjenesten er ustabil.\nNy avtale med tolkeformidler er på plass.\nPU er varslet."),
    ("I2", "Forsinket uttransport til Irak", (),
     "Reisedokumenter mangler.\nAvklart med ambassaden."),
    ("I3", "Kapasitet på Trandum", (), "Internatet er fullt.\nPolitiet ber om flere plasser."),
    ("I4", "Statistikkrapporten er forsinket", (), "Tallene for oktober mangler."),
    ("I5", "Identity checks for returnees", (), "The checks were delayed by two weeks."),
    ("M1", "Returnettverket", ("nettverk",),
     "Møterom 3\nStatus for tilbaketakelsesavtaler\nStatistikk for kvartalet"),
    ("M2", "Kvartalsmøte med PU", ("pu",), "Uttransporter i høst\nReisedokumenter"),
    ("M3", "Styringsgruppe", ("styringsgruppe",), "Budsjett 2027"),
)  # fmt: skip
# newer records that each match one word of "kapasitet trandum" well or both only in the text:
# the old best match (D17, I3: both words in the title) must still come first
FILLER = 300

KINDS = {"D": search.DECISION, "I": search.ISSUE, "M": search.MEETING}


@dataclass(frozen=True)
class Case:
    query: str
    groups: Sequence[Sequence[str]]
    why: str
    kinds: Sequence[str] = search.KINDS

    @property
    def expected(self) -> list[str]:
        return [ref for group in self.groups for ref in group]


CASES: tuple[Case, ...] = (
    Case("rutinen", [["D1"]], "inflection: the definite form finds the indefinite"),
    Case("uttransporter", [["D1", "I2"], ["D10", "M2"]], "plural finds singular, titles first"),
    Case("avtalene", [["D5"], ["D2"], ["I1"], ["M1"]],
         "inflection in the title, then as a compound part, then in the text"),
    Case("tilbaketakelse", [["D2"], ["M1"]], "a compound's first part finds the compound"),
    Case("avtale", [["D5"], ["D2"], ["I1"], ["M1"]], "a compound's last part finds it"),
    Case("retur", [["D14", "D16"], ["D9"], ["D3", "D15", "M1", "D11", "I5"], ["D1"]],
         "exact title words, then a stem, then words holding it (returarbeid, tvangsretur, "
         "return), then a tag"),
    Case("mottakene", [["D4"], ["D8", "I1", "D18", "D19"]], "the exact form before the stem"),
    Case("Ål", [["D19"]], "æøå fold with case: Ål finds ål"),
    Case("alesund", [["D8"]], "a word typed without å finds it"),
    Case("saerskilt", [["D6"]], "ae for æ"),
    Case("uttrasport", [["D1", "I2"], ["D10", "M2"]], "a letter missing"),
    Case("tolketjenster", [["D5"], ["I1"]], "a letter missing in a long compound"),
    Case("reisedokumneter", [["D10"], ["I2", "M2"]], "two letters swapped"),
    Case("PU", [["D10", "M2"], ["I1"]], "an acronym, in titles first"),
    Case("une", [["D16"]], "an acronym in the text"),
    Case("transfers", [["D11"]], "English, stemmed as English"),
    Case("archiving", [["D12"]], "English inflection: archiving finds archived"),
    Case("irak uttransport", [["I2"]], "all words must match"),
    Case("retur irak", [["D2"]], "all words must match, one in the title, one in the text"),
    Case("kapasitet trandum", [["D17", "I3"]],
         "an old best match is not buried by hundreds of newer partial ones"),
    Case("kvartalet", [["M2"], ["M1"]], "a compound in a meeting's title, then its agenda"),
    Case("statistikk", [["D9"], ["I4"], ["M1"]], "title, then a compound, then the agenda"),
    Case("høringsfrist", [["D13"]], "the stem of a word in the text"),
    Case("utlendingsforskrift", [["D13"]], "the stem of a word in the title"),
    Case("forskriften endring", [["D13"]], "a part and an exact word together"),
    Case("tolk", [["I1"]], "only issues", kinds=(search.ISSUE,)),
    Case("møterom", [["M1"]], "a meeting's place"),
)  # fmt: skip


def documents() -> Iterator[tuple[str, search.Document]]:
    """The records as search documents, oldest first, then the newer filler decisions."""
    for ref, title, tags, body in RECORDS:
        yield ref, search.Document(KINDS[ref[0]], int(ref[1:]), title, tags, body)
    for n in range(FILLER):
        number = 1000 + n
        if n % 3 == 0:
            title, body = f"Kapasitet i region {n}", "Trandum er nevnt i teksten."
        elif n % 3 == 1:
            title, body = f"Trandum: rapport {n}", "Kapasiteten er vurdert."
        else:
            title, body = f"Rapport {n}", "Kapasitet og Trandum er nevnt."
        yield f"D{number}", search.Document(search.DECISION, number, title, (), body)


def ref_of(hit: search.Hit) -> str:
    prefix = {v: k for k, v in KINDS.items()}[hit.kind]
    return f"{prefix}{hit.record_id}"
