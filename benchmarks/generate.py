"""Generate a synthetic casebook of N valid cases for benchmarks.

    python benchmarks/generate.py OUT_DIR --cases 1000 [--policy policy] [--seed 1]

Cases are built by walking each procedure's own transitions with people who hold the roles it
requires, so they exercise the real rules (approvals, independence, letters, restrictions) of
whatever procedures the policy folder holds. Each case has 20 to 200 events, mostly contacts, as
real cases do. Fictional names only.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tooling"))

from casebook.engine.authority import same_service  # noqa: E402
from casebook.model import ACTIVE_KINDS, Procedure  # noqa: E402
from casebook.model.people import People  # noqa: E402
from casebook.model.procedure import Requirement  # noqa: E402
from casebook.store.reader import load_policy  # noqa: E402

# libyaml's emitter writes the same bytes as PyYAML's pure-Python one for these records (checked
# on 200 generated cases) about five times faster: generating dominated tests/test_scaling.py.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

AS_OF = date(2026, 11, 23)
FIRST = ["Alex", "Sam", "Jo", "Chris", "Robin", "Kim", "Lee", "Pat", "Jamie", "Morgan"]
LAST = ["Example", "Sample", "Testperson", "Placeholder", "Fictional", "Madeup", "Specimen"]


SERVICES = ["Planning", "Housing", "Environmental Services", "Revenues and Benefits"]


def _holders(
    people: People, req: Requirement, exclude: set[str], service: str | None = None
) -> list[str]:
    return [
        p.id
        for p in people.people
        if set(req.roles) & set(p.roles)
        and p.id not in exclude
        and (not req.same_service or same_service(p, service))
    ]


def _holder(people: People, roles: list[str], default: str) -> str:
    """The first person holding one of ``roles`` (``default`` when no roles are asked for)."""
    return next((p.id for p in people.people if set(roles) & set(p.roles)), default)


def _restrictions(
    proc: Procedure, state: str, rng: random.Random, people: People, staff: list[str]
) -> list[dict]:
    allowed = proc.states[state].restrictions
    channels = [c.id for c in proc.channels]
    out: list[dict] = []
    makers = {
        "spoc": lambda: {
            "type": "spoc",
            "officer": _holder(people, proc.spoc.roles, staff[0])
            if proc.spoc
            else rng.choice(staff),
        },
        "channels": lambda: {"type": "channels", "allowed": rng.sample(channels, 1)},
        "volume": lambda: {"type": "volume", "max": rng.randint(1, 5), "per": "week"},
        "time-slot": lambda: {
            "type": "time-slot",
            "days": ["tue", "thu"],
            "from": "10:00",
            "to": "12:00",
        },
        "call-length": lambda: {"type": "call-length", "minutes": 15},
        "closed-topic": lambda: {"type": "closed-topic", "topic": "the 2024 complaint"},
        "agreement": lambda: {"type": "agreement", "summary": "Contact once a week by e-mail"},
    }
    makers["councillor-arrangement"] = lambda: {
        "type": "councillor-arrangement",
        "summary": "Letters to the ward councillor are forwarded by the SPOC",
    }
    # Letters must name a single point of contact, and a channel block must say how the person
    # can still reach their councillor: always include those where the state allows them.
    always = {"spoc", "councillor-arrangement"}
    for kind in allowed:
        if kind in makers and (kind in always or rng.random() < 0.7):
            out.append(makers[kind]())
    return out


def make_case(n: int, proc: Procedure, people: People, rng: random.Random, prefix: str) -> dict:
    staff = [p.id for p in people.people]
    service = rng.choice(SERVICES)
    capacity = proc.referral[0]
    referrer = (
        rng.choice(
            [
                p.id
                for p in people.people
                if set(capacity.by_roles) & set(p.roles)
                and (not capacity.by_same_service or same_service(p, service))
            ]
        )
        if capacity.by_roles
        else rng.choice(staff)
    )
    # "refer ... to their line manager": someone who has one raised it, and they record it.
    reporter = None
    if capacity.by_line_manager:
        reporter = rng.choice([p for p in people.people if p.line_manager])
        referrer = reporter.line_manager or referrer
    involved = {referrer} | ({reporter.id} if reporter else set())
    start = AS_OF - timedelta(days=rng.randint(200, 700))
    channels = [c.id for c in proc.channels]
    events: list[dict] = []
    day = start
    state = proc.initial
    target = rng.randint(20, 200)
    decisions = 0
    while len(events) < target:
        # Contacts between decisions, as most of a real case's events are.
        for _ in range(rng.randint(5, 25)):
            day += timedelta(days=rng.randint(0, 2))
            if day >= AS_OF - timedelta(days=1):
                break
            to = rng.choice(staff)
            involved.add(to)
            events.append(
                {
                    "date": day,
                    "type": "contact",
                    "time": f"{rng.randint(8, 17):02d}:{rng.choice(['00', '15', '30', '45'])}",
                    "channel": rng.choice(channels),
                    "to": to,
                    "summary": "Asked again about the same closed matter",
                }
            )
        if day >= AS_OF - timedelta(days=40) or decisions >= 4:
            break
        options = [t for t in proc.transitions if state in t.from_]
        rng.shuffle(options)
        for t in options:
            deciders: list[str] = []
            ok = True
            for req in t.approval.requires:
                pool = _holders(
                    people,
                    req,
                    set(deciders) | (involved if req.independent else set()),
                    service,
                )
                if len(pool) < req.count:
                    ok = False
                    break
                deciders += rng.sample(pool, req.count)
            consulted: list[str] = []
            for req in t.approval.consult:
                pool = _holders(people, req, involved if req.independent else set(), service)
                if len(pool) < req.count:
                    ok = False
                    break
                consulted += pool[: req.count]
            if not ok:
                continue
            day += timedelta(days=1)
            decision: dict = {
                "date": day,
                "type": "decision",
                "to": t.to,
                "decided_by": deciders or [rng.choice(staff)],
                "reasons": "Contact continued at "
                "a level that prevents the service dealing with other customers.",
            }
            if consulted:
                decision["consulted"] = consulted
            # Where a letter of this step must give the council's final position (item
            # final-position), the decision records it.
            if any(
                i.item == "final-position" for lid in t.letters for i in proc.letters[lid].required
            ):
                decision["final_position"] = "The complaint is closed; our reply gave our answer."
            if proc.states[t.to].kind in ACTIVE_KINDS:
                decision["restrictions"] = _restrictions(proc, t.to, rng, people, staff)
            events.append(decision)
            involved.update(decision["decided_by"], consulted)
            for r in decision.get("restrictions", []):
                involved.update(v for k, v in r.items() if k in ("officer", "to"))
            for letter in t.letters:
                senders = proc.letters[letter].sender_roles
                by = next((p.id for p in people.people if set(senders) & set(p.roles)), staff[0])
                involved.add(by)
                events.append(
                    {
                        "date": day + timedelta(days=1),
                        "type": "letter",
                        "letter": letter,
                        "by": by,
                        "via": "post",
                    }
                )
            for note in t.notify:
                by = _holder(people, note.by_roles, staff[0])
                involved.add(by)
                events.append(
                    {
                        "date": day + timedelta(days=1),
                        "type": "notification",
                        "list": note.list_id,
                        "by": by,
                        "about": t.label,
                    }
                )
            day += timedelta(days=1)
            state = t.to
            decisions += 1
            break
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        # Case ids have four digits: from the 10,000th case on, the next year's numbers.
        "id": f"{prefix}-{2026 + n // 10000}-{n % 10000:04d}",
        "procedure": proc.id,
        "service": service,
        "person": {
            "name": f"{first} {last} {n}",
            "contact": {"email": f"person{n}@example.org", "address": f"{n} Example Street"},
        },
        "referral": {
            "date": start,
            "by": referrer,
            **({"reported_by": reporter.id} if reporter else {}),
            "capacity": capacity.id,
            "behaviours": ["high-volume"] if not proc.behaviours else proc.behaviours[:1],
            "account": "Many e-mails to many officers about one closed complaint",
        },
        "events": events,
    }


def generate(out: Path, cases: int, policy: Path, seed: int = 1) -> Path:
    """Write a casebook with ``cases`` cases under ``out``; returns ``out``."""
    if out.exists():
        shutil.rmtree(out)
    (out / "cases").mkdir(parents=True)
    shutil.copytree(policy, out / "policy")
    pol, findings = load_policy(out)
    if pol is None:
        raise SystemExit("policy is invalid:\n" + "\n".join(f.as_text() for f in findings))
    rng = random.Random(seed)
    procs = sorted(pol.procedures.values(), key=lambda p: p.id)
    behaviours = [b.id for b in pol.taxonomy.behaviours]
    for n in range(1, cases + 1):
        proc = procs[n % len(procs)]
        case = make_case(n, proc, pol.people, rng, "SYN")
        if not proc.behaviours:
            case["referral"]["behaviours"] = [rng.choice(behaviours)]
        text = yaml.dump(case, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)
        (out / "cases" / f"{case['id']}.yaml").write_text(text, encoding="utf-8")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--policy", type=Path, default=ROOT / "policy")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    generate(args.out, args.cases, args.policy, args.seed)
    print(f"wrote {args.cases} cases to {args.out}")


if __name__ == "__main__":
    main()
