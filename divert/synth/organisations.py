"""Who the synthetic data belongs to: organisations, programmes, teams, staff, funders.

Plans are plain data (`OrgPlan`); `create_organisation` turns one into rows through the
accounts actions, so organisations, teams and users are made exactly as an administrator
would make them. Children and their histories then go through the bulk path.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.utils.text import slugify

from divert.accounts import actions as accounts
from divert.accounts.models import Commissioner, Organisation, Role, User
from divert.offending.models import DataSource
from divert.synth import vocab
from divert.synth.police import data_complete_to

# Every synthetic user has this password. Demo data only: never a real deployment.
DEMO_PASSWORD = "divert-demo-2025"  # noqa: S105 - a published demo password

EARLY_INTERVENTION_TIERS = [("Light touch", 3, 4), ("Standard", 10, 12), ("Enhanced", 12, 16)]
VIOLENCE_TIERS = [("Standard", 12, 16), ("Intensive", 16, 24)]


@dataclass
class ProgrammePlan:
    """A programme to create, with its tiers (name, planned sessions, planned weeks)."""

    name: str
    slug: str
    kind: str
    tiers: list[tuple[str, int, int]]
    funded: bool = True


@dataclass
class StaffPlan:
    """A user to create."""

    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None = None


@dataclass
class OrgPlan:
    """An organisation to create and how much history to give it."""

    name: str
    slug: str
    kind: str
    area_name: str
    area_code: str
    wards: list[str]
    postcode_area: str
    schools: list[str]
    local_id_prefix: str
    children: int
    programmes: list[ProgrammePlan]
    teams: dict[str, list[str]]  # team name -> programme slugs
    staff: list[StaffPlan]
    commissioner: str | None = None  # commissioner slug
    white_british_share: float = 0.55
    population_groups: dict[str, float] = field(default_factory=dict)


@dataclass
class CommissionerPlan:
    """A commissioner (VRU) and its user."""

    name: str
    slug: str
    user: StaffPlan


@dataclass
class TierInfo:
    """A tier as the history generator needs it."""

    id: int
    number: int
    name: str
    sessions: int
    weeks: int


@dataclass
class ProgrammeInfo:
    """A created programme."""

    id: int
    kind: str
    tiers: list[TierInfo]
    screening_days: int = 5


@dataclass
class TeamInfo:
    """A created team with its members."""

    id: int
    name: str
    programme_ids: list[int]
    workers: list[int]
    managers: list[int]


@dataclass
class OrgContext:
    """A created organisation: the ids its history refers to."""

    plan: OrgPlan
    organisation: Organisation
    programmes: list[ProgrammeInfo]
    teams: list[TeamInfo]
    outcomes_source: int
    custody_source: int
    complete_to: dt.date
    logins: list[tuple[str, str]]


# ---- Demo ---------------------------------------------------------------------------------


def demo_commissioners() -> list[CommissionerPlan]:
    """The demo's Violence Reduction Unit."""
    return [
        CommissionerPlan(
            name="Kingsmere Violence Reduction Unit",
            slug="kingsmere-vru",
            user=StaffPlan("vru.commissioner", "Hamid", "Sutton", Role.COMMISSIONER),
        )
    ]


def demo_plans(*, children: int) -> list[OrgPlan]:
    """Kingsmere (a fictional city service) and a small second organisation, Ashdown."""
    teams = {
        "East team": ["early-intervention"],
        "West team": ["early-intervention"],
        "Safer Futures team": ["safer-futures"],
    }
    names = iter(zip(vocab.STAFF_FIRST, vocab.STAFF_LAST, strict=False))
    staff = []
    for team, prefix in (
        ("East team", "east"),
        ("West team", "west"),
        ("Safer Futures team", "saferfutures"),
    ):
        for n in (1, 2, 3):
            first, last = next(names)
            staff.append(StaffPlan(f"{prefix}.worker{n}", first, last, Role.CASE_WORKER, team))
        first, last = next(names)
        staff.append(StaffPlan(f"{prefix}.manager", first, last, Role.TEAM_MANAGER, team))
    for username, role in (
        ("service.manager", Role.SERVICE_MANAGER),
        ("performance.officer", Role.PERFORMANCE_OFFICER),
        ("board.member", Role.BOARD_MEMBER),
        ("admin", Role.ADMINISTRATOR),
    ):
        first, last = next(names)
        staff.append(StaffPlan(username, first, last, role))
    kingsmere = OrgPlan(
        name="Kingsmere City Council Youth Justice Service",
        slug="kingsmere",
        kind="yjs",
        area_name="Kingsmere",
        area_code="E06900001",
        wards=[f"E05900{n:03d}" for n in range(1, 7)],
        postcode_area="KM",
        schools=[
            "Kingsmere Academy",
            "St Aidan's Catholic Academy",
            "Riverside Community College",
            "Hollowfield School",
            "Northgate High School",
            "Brackenhurst Academy",
            "Oakwood Park School",
            "Kingsmere College",
            "Meadowbank Pupil Referral Unit",
            "Castle Hill Special School",
        ],
        local_id_prefix="KM",
        children=children,
        programmes=[
            ProgrammePlan(
                "Early Intervention", "early-intervention", "diversion", EARLY_INTERVENTION_TIERS
            ),
            ProgrammePlan("Safer Futures", "safer-futures", "violence", VIOLENCE_TIERS),
        ],
        teams=teams,
        staff=staff,
        commissioner="kingsmere-vru",
        white_british_share=0.55,
        population_groups={"white": 55, "asian": 25, "black": 9, "mixed": 7.5, "other": 3.5},
    )
    ashdown = OrgPlan(
        name="Ashdown Youth Justice Service",
        slug="ashdown",
        kind="yjs",
        area_name="Ashdown",
        area_code="E06900002",
        wards=["E05900101", "E05900102"],
        postcode_area="AD",
        schools=["Ashdown Academy", "Ashdown College"],
        local_id_prefix="AD",
        children=max(20, children // 40),
        programmes=[
            ProgrammePlan(
                "Diversion", "diversion", "diversion", [("Standard", 10, 12)], funded=False
            )
        ],
        teams={"Ashdown team": ["diversion"]},
        staff=[StaffPlan("ashdown.worker", "Ruth", "Brennan", Role.CASE_WORKER, "Ashdown team")],
        white_british_share=0.85,
        population_groups={"white": 88, "asian": 5, "black": 2, "mixed": 4, "other": 1},
    )
    return [kingsmere, ashdown]


# ---- National -----------------------------------------------------------------------------


def national_plans(
    *, organisations: int, children: int, seed: int
) -> tuple[list[CommissionerPlan], list[OrgPlan]]:
    """Many organisations of varied size (log-normal) sharing `children` between them."""
    rng = random.Random(f"divert-synth-national:{seed}")
    areas = [p + s for p in vocab.PLACE_PREFIXES for s in vocab.PLACE_SUFFIXES]
    rng.shuffle(areas)
    areas = areas[:organisations]
    weights = [rng.lognormvariate(0, 0.6) for _ in areas]
    total = sum(weights)
    sizes = [max(60, round(children * w / total)) for w in weights]

    regions = vocab.REGION_NAMES[: max(1, min(len(vocab.REGION_NAMES), round(organisations / 7.5)))]
    commissioners = [
        CommissionerPlan(
            name=f"{region} Violence Reduction Unit",
            slug=f"{slugify(region)}-vru",
            user=StaffPlan(
                f"{slugify(region)}.commissioner",
                rng.choice(vocab.STAFF_FIRST),
                rng.choice(vocab.STAFF_LAST),
                Role.COMMISSIONER,
            ),
        )
        for region in regions
    ]
    plans = []
    for index, (area, size) in enumerate(zip(areas, sizes, strict=True)):
        slug = f"{slugify(area)}-yjs"
        provider = rng.random() < 0.08
        name = (
            f"{area} Youth Diversion Trust"
            if provider
            else f"{area} {rng.choice(['Youth Justice Service', 'Youth Justice Service', 'City Council Youth Justice Service', 'Youth Offending Team'])}"
        )
        with_violence = rng.random() < 0.35
        programmes = [
            ProgrammePlan(
                "Early Intervention", "early-intervention", "diversion", EARLY_INTERVENTION_TIERS
            )
        ]
        if with_violence:
            programmes.append(
                ProgrammePlan(
                    "Violence Intervention", "violence-intervention", "violence", VIOLENCE_TIERS
                )
            )
        n_teams = max(1, min(4, round(size / 1500)))
        teams = {f"Team {n}": ["early-intervention"] for n in range(1, n_teams + 1)}
        if with_violence:
            teams["Violence intervention team"] = ["violence-intervention"]
        workers = max(2 * len(teams), round(size * 0.0045))
        staff = []
        team_names = list(teams)
        for n in range(workers):
            team = team_names[n % len(team_names)]
            staff.append(
                StaffPlan(
                    f"{slug}.worker{n + 1}",
                    rng.choice(vocab.STAFF_FIRST),
                    rng.choice(vocab.STAFF_LAST),
                    Role.CASE_WORKER,
                    team,
                )
            )
        for n, team in enumerate(team_names, start=1):
            staff.append(
                StaffPlan(
                    f"{slug}.manager{n}",
                    rng.choice(vocab.STAFF_FIRST),
                    rng.choice(vocab.STAFF_LAST),
                    Role.TEAM_MANAGER,
                    team,
                )
            )
        for suffix, role in (
            ("service", Role.SERVICE_MANAGER),
            ("performance", Role.PERFORMANCE_OFFICER),
            ("board", Role.BOARD_MEMBER),
            ("admin", Role.ADMINISTRATOR),
        ):
            staff.append(
                StaffPlan(
                    f"{slug}.{suffix}",
                    rng.choice(vocab.STAFF_FIRST),
                    rng.choice(vocab.STAFF_LAST),
                    role,
                )
            )
        white = min(0.95, max(0.35, rng.gauss(0.78, 0.13)))
        trees, saints = vocab.TREES, vocab.SAINTS
        schools = sorted(
            {
                form.format(area=area, tree=rng.choice(trees), saint=rng.choice(saints))
                for form in rng.sample(vocab.SCHOOL_FORMS, 6)
            }
        )
        plans.append(
            OrgPlan(
                name=name,
                slug=slug,
                kind="provider" if provider else "yjs",
                area_name=area,
                area_code=f"E06{900100 + index:06d}",
                wards=[f"E05{910000 + index * 10 + w:06d}" for w in range(4)],
                postcode_area=area[:2].upper(),
                schools=schools,
                local_id_prefix=area[:3].upper(),
                children=size,
                programmes=programmes,
                teams=teams,
                staff=staff,
                commissioner=commissioners[index % len(commissioners)].slug,
                white_british_share=white,
                population_groups=_population_groups(white),
            )
        )
    return commissioners, plans


def _population_groups(white: float) -> dict[str, float]:
    rest = 100 - white * 100
    return {
        "white": white * 100,
        "asian": rest * 0.5,
        "black": rest * 0.2,
        "mixed": rest * 0.2,
        "other": rest * 0.1,
    }


# ---- Creation -----------------------------------------------------------------------------


def existing_slugs(plans: list[OrgPlan], commissioners: list[CommissionerPlan]) -> list[str]:
    """Slugs of planned organisations or commissioners that already exist."""
    orgs = Organisation.objects.filter(slug__in=[p.slug for p in plans]).values_list(
        "slug", flat=True
    )
    funders = Commissioner.objects.filter(slug__in=[c.slug for c in commissioners]).values_list(
        "slug", flat=True
    )
    return sorted([*orgs, *funders])


def create_commissioners(
    plans: list[CommissionerPlan], *, password_hash: str
) -> tuple[dict[str, Commissioner], list[tuple[str, str]]]:
    """Create commissioners and their users; return them by slug, and the logins."""
    made, logins = {}, []
    for plan in plans:
        commissioner = accounts.create_commissioner(by=None, name=plan.name, slug=plan.slug)
        user = accounts.create_user(
            by=None,
            username=plan.user.username,
            password=None,
            roles=[plan.user.role],
            commissioner=commissioner,
            first_name=plan.user.first_name,
            last_name=plan.user.last_name,
        )
        _set_password(user, password_hash)
        made[plan.slug] = commissioner
        logins.append((Role(plan.user.role).label, user.username))
    return made, logins


def create_organisation(
    plan: OrgPlan, *, commissioners: dict[str, Commissioner], today: dt.date, password_hash: str
) -> OrgContext:
    """Create one organisation with its programmes, teams, staff and police data sources."""
    org = accounts.create_organisation(
        by=None,
        name=plan.name,
        slug=plan.slug,
        kind=plan.kind,
        area_name=plan.area_name,
        area_code=plan.area_code,
        # Synthetic organisations waive MFA so demo logins keep working once MFA is
        # enforced; real organisations keep the default (required).
        mfa_required=False,
    )
    funder = commissioners.get(plan.commissioner) if plan.commissioner else None
    programmes, by_slug = [], {}
    for p in plan.programmes:
        programme = accounts.create_programme(
            by=None,
            organisation=org,
            name=p.name,
            slug=p.slug,
            kind=p.kind,
            tiers=p.tiers,
            funded_by=[funder] if (funder and p.funded) else [],
            area_codes=list(plan.wards),
        )
        by_slug[p.slug] = programme
        programmes.append(
            ProgrammeInfo(
                id=programme.pk,
                kind=p.kind,
                screening_days=programme.screening_days,
                tiers=[
                    TierInfo(t.pk, t.number, t.name, t.planned_sessions, t.planned_weeks)
                    for t in programme.tiers.order_by("number")
                ],
            )
        )
    teams = {}
    for name, slugs in plan.teams.items():
        team = accounts.create_team(
            by=None, organisation=org, name=name, programmes=[by_slug[s] for s in slugs]
        )
        teams[name] = TeamInfo(team.pk, name, [by_slug[s].pk for s in slugs], [], [])
    team_objects = {t.name: t for t in org.teams.all()}
    logins = []
    for s in plan.staff:
        user = accounts.create_user(
            by=None,
            username=s.username,
            password=None,
            roles=[s.role],
            organisation=org,
            teams=[team_objects[s.team]] if s.team else [],
            first_name=s.first_name,
            last_name=s.last_name,
        )
        _set_password(user, password_hash)
        if s.team and s.role == Role.CASE_WORKER:
            teams[s.team].workers.append(user.pk)
        elif s.team and s.role == Role.TEAM_MANAGER:
            teams[s.team].managers.append(user.pk)
        label = Role(s.role).label + (f" ({s.team})" if s.team else "")
        logins.append((label, user.username))
    # Police crime data arrives monthly (on the 7th, for the month before).
    complete_to = data_complete_to(today)
    outcomes = DataSource.objects.create(
        organisation=org,
        name="Police crime outcomes",
        kind=DataSource.Kind.CRIME_OUTCOMES,
        complete_to=complete_to,
    )
    custody = DataSource.objects.create(
        organisation=org,
        name="Police custody releases",
        kind=DataSource.Kind.CUSTODY_RELEASES,
        complete_to=today - dt.timedelta(days=1),
    )
    return OrgContext(
        plan=plan,
        organisation=org,
        programmes=programmes,
        teams=list(teams.values()),
        outcomes_source=outcomes.pk,
        custody_source=custody.pk,
        complete_to=complete_to,
        logins=logins,
    )


def hash_password(password: str) -> str:
    """Hash the shared password once (hashing per user would dominate a national load)."""
    return make_password(password)


def _set_password(user: User, password_hash: str) -> None:
    # One hash shared by every synthetic user: they all have the same known password.
    User.objects.filter(pk=user.pk).update(password=password_hash)
