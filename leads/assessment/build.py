"""Every figure of one assessment, in the order the report shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from elasticsearch import Elasticsearch

from leads.assessment import change, labor, sex, tips
from leads.assessment.cells import Figure
from leads.assessment.periods import Period
from leads.assessment.scope import Scope
from leads.regions import Region
from leads.settings import Settings


@dataclass
class Assessment:
    region: Region
    period: Period
    generated_at: datetime
    fiscal_year: int | None  # the guest-worker data year used
    previous_fiscal_year: int | None
    figures: list[Figure]
    index_prefix: str

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def assess(es: Elasticsearch, settings: Settings, region: Region, period: Period) -> Assessment:
    scope = Scope(es, settings, region, period)
    try:
        fy, previous_fy = labor.data_years(scope)
        figures = [
            sex.volume(scope),
            sex.prevalence(scope, "sex"),
            sex.places(scope),
            sex.circuits(scope),
            sex.networks(scope),
            sex.youth(scope),
            labor.industries(scope, fy),
            labor.by_county(scope, fy),
            labor.season(scope, fy),
            labor.flagged(scope),
            labor.enforcement(scope),
            labor.housing(scope, fy),
            sex.prevalence(scope, "labor"),
            labor.intermediaries(scope, fy),
            change.headline(scope, fy, previous_fy),
            tips.channels(scope),
        ]
    finally:
        scope.close()
    return Assessment(
        region, period, datetime.now(UTC), fy, previous_fy, figures, settings.index_prefix
    )
