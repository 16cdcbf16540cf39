"""The help loop on the demo register, through the public API as its users would drive it.

One subdistrict's households are verified by its operations team, certified by the
district and approved by the province; the district appoints mentor teams and assigns
them; the mentors plan with each family from the suggestions; agencies log help; cases
open at the subdistrict and some climb to the district, the province and national, some
are resolved — so a newcomer sees queues, plans, logbooks and timelines filled.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import httpx

from faemban_domain import indicators
from faemban_domain.platform.auth import mint_token

LEVELS = ("subdistrict", "district", "province", "national")
FAMILY = [
    {"age": 38, "has_occupation": True, "annual_income": 30000},
    {"age": 66, "elderly_allowance": True},
    {"age": 0, "born_in_survey_year": True},
    {"age": 4},
    {"age": 10, "studying": True},
    {"age": 16, "finished_m3": True, "studying": True},
    {"age": 30, "physical_status": "disabled"},
]
"""Members for whom every indicator applies, so each of TPMAP's flags can be confirmed."""
KIND_OF = {
    "health": ("moph.sh_hospital", "state", "service"),
    "living": ("moi.local", "local_government", "housing_repair"),
    "education": ("moe.nfe", "state", "referral"),
    "income": ("moi.cdd", "state", "training"),
    "access": ("msdhs", "state", "welfare_registration"),
}


class _Api:
    def __init__(self, base: str, private_pem: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.private_pem = private_pem

    def call(
        self,
        method: str,
        path: str,
        roles: list[str],
        areas: list[str],
        body: Any = None,
        sub: str | None = None,
        key: str | None = None,
    ) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        token = mint_token(self.private_pem, roles=roles, areas=areas, sub=sub or f"demo-{roles[0]}")
        for _ in range(150):  # another service's event may be on its way (a refused call wrote nothing)
            r = self.client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {token}", **headers}
            )
            if r.status_code not in (404, 409) or method == "GET" and r.status_code == 409:
                break
            time.sleep(0.2)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return r.json()


def load_help_loop(
    base: str, private_pem: str, rows: Sequence[dict[str, Any]], say: Callable[[str], None] = print
) -> Counter[str]:
    """Drive the help loop over the households of the register's busiest subdistrict (at most 24)."""
    busiest, _ = Counter(str(r["subdistrict_code"]) for r in rows).most_common(1)[0]
    chosen = [r for r in rows if str(r["subdistrict_code"]) == busiest][:24]
    sub, district, province = busiest, busiest[:4], busiest[:2]
    api = _Api(base, private_pem)
    if api.call("GET", f"/v1/households/{chosen[0]['household_id']}/plans", ["admin"], [])["plans"]:
        say(f"Demo help loop: subdistrict {sub} already has plans (kept from an earlier start).")
        return Counter()
    ops, dist, prov = (
        (["ops_team"], [sub]),
        (["district_officer"], [district]),
        (["province_officer"], [province]),
    )
    rules = indicators.latest_rule_set()
    done: Counter[str] = Counter()
    survey_year = int(chosen[0]["cohort_year"])
    for row in chosen:
        flags = [c for c in rules.codes if str(row.get(c, "0")) == "1"]
        body = {
            "survey_year": survey_year,
            "indicators": dict.fromkeys(flags, "confirmed"),
            "field_status": "lives_here",
            "household_type": "develop" if len(flags) < 3 else "welfare",
            "members": FAMILY,
        }
        api.call("POST", f"/v1/households/{row['household_id']}/verification", *ops, body)
    api.call(
        "POST", "/v1/certifications/district", *dist, {"subdistrict_code": sub, "survey_year": survey_year}
    )
    api.call(
        "POST", "/v1/certifications/province", *prov, {"district_code": district, "survey_year": survey_year}
    )
    done["approved"] = len(chosen)

    teams = []
    for n in (1, 2):
        team = api.call(
            "POST",
            "/v1/mentor-teams",
            *dist,
            {
                "district_code": district,
                "name": f"ทีมพี่เลี้ยง {sub} ชุดที่ {n}",
                "members": [
                    {
                        "name": f"หัวหน้าทีม {n}",
                        "agency": "moi.cdd",
                        "skills": ["income", "access"],
                        "civil_servant": True,
                        "leader": True,
                        "user_id": f"demo-mentor-{n}",
                    },
                    {"name": f"อสม. ทีม {n}", "agency": "moph.vhv", "skills": ["health", "living"]},
                    {"name": f"ครู กศน. ทีม {n}", "agency": "moe.nfe", "skills": ["education"]},
                ],
            },
        )
        teams.append(team["team_id"])
    done["mentor teams"] = len(teams)

    plans_by_household: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(chosen[:20]):  # the last four wait in the district's unassigned queue
        hid = str(row["household_id"])
        api.call("POST", f"/v1/mentor-teams/{teams[i % 2]}/households", *dist, {"household_id": hid})
        mentor = (["mentor"], [sub])
        token_sub = f"demo-mentor-{i % 2 + 1}"
        suggestions = api.call("GET", f"/v1/households/{hid}/plan-suggestions", *mentor, sub=token_sub)[
            "items"
        ]
        if not suggestions:
            continue
        items = [
            {
                "problem": s["problem"],
                "activity": f"แก้ปัญหา {s['problem']['indicator']}",
                "horizon": s["horizon"],
                "due_on": s["due_on"],
            }
            for s in suggestions
        ]
        plan = api.call("POST", f"/v1/households/{hid}/plans", *mentor, {"items": items}, sub=token_sub)
        plans_by_household[hid] = plan
        done["plans"] += 1
        first = plan["items"][0]
        dimension = first["problem"]["indicator"].split(".")[0]
        agency, giver, kind = KIND_OF[dimension]
        api.call(
            "POST",
            "/v1/assistance",
            *ops,
            {
                "household_id": hid,
                "problem": first["problem"],
                "agency": agency,
                "giver_kind": giver,
                "kind": kind,
                "given_on": date.today().isoformat(),
                "plan_item_id": first["item_id"],
                "note": "demo",
            },
            key=f"demo-{hid}-1",
        )
        done["assistance entries"] += 1
        api.call(
            "POST",
            f"/v1/plans/{plan['plan_id']}/items/{first['item_id']}/status",
            *mentor,
            {"status": "in_progress"},
            sub=token_sub,
        )

    # cases: opened at the subdistrict, some climbing to each level, a few resolved on the way
    actors = {"subdistrict": ops, "district": dist, "province": prov, "national": (["admin"], [])}
    for j, hid in enumerate(list(plans_by_household)[:12]):
        plan = plans_by_household[hid]
        problems = [i["problem"] for i in plan["items"][:2]]
        case = api.call(
            "POST",
            "/v1/cases",
            *ops,
            {"household_id": hid, "problems": problems, "reason": "เกินศักยภาพของตำบล (demo)"},
        )
        target = LEVELS[j % 4]
        level = "subdistrict"
        while level != target:
            case = api.call(
                "POST",
                f"/v1/cases/{case['case_id']}/escalate",
                *actors[level],
                {"reason": f"เกินศักยภาพระดับ {level} (demo)"},
            )
            level = case["level"]
        if j % 3 == 0:
            api.call("POST", f"/v1/cases/{case['case_id']}/accept", *actors[level], {})
        if j in (4, 5, 8):  # resolved with the help logged for it
            agency, giver, kind = KIND_OF[problems[0]["indicator"].split(".")[0]]
            entry = api.call(
                "POST",
                "/v1/assistance",
                *prov,
                {
                    "household_id": hid,
                    "problem": problems[0],
                    "agency": agency,
                    "giver_kind": giver,
                    "kind": kind,
                    "given_on": date.today().isoformat(),
                    "case_id": case["case_id"],
                    "note": "demo",
                },
                key=f"demo-{hid}-case",
            )
            done["assistance entries"] += 1
            api.call(
                "POST",
                f"/v1/cases/{case['case_id']}/resolve",
                *actors[level],
                {"assistance_ids": [entry["assistance_id"]], "note": "demo"},
            )
            done["cases resolved"] += 1
        done[f"cases at {level}"] += 1
    say(
        f"Demo help loop in subdistrict {sub}: "
        + ", ".join(f"{n} {what}" for what, n in done.items())
        + f"\n  queue    {base}/v1/cases?area={province}\n"
        f"  report   {base}/v1/reports/escalations?area={province}&level=district"
    )
    return done
