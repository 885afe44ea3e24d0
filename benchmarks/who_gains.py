"""Who gains from a scenario: WELLBYs by whether a resident went to a group a grant opened, was
seen by an outreach worker, both or neither, each against the same resident in the baseline twin
(same seed, no lever); and what the volunteers of grant-opened groups give in kind.

    python benchmarks/who_gains.py morecambe_bay [--seeds 5]

Undiscounted WELLBYs at full scale, averaged over the seeds. The in-kind value counts each
volunteer of a grant-opened group at `groups.volunteer_cover_gbp` a week, as the model's groups
count it once their grant ends.
"""

import argparse

import numpy as np

from healthgap.simulation import Simulation, as_scenario


def who_gains(name: str, seeds: int) -> tuple[dict[str, np.ndarray], float]:
    scenario = as_scenario(name)
    totals: dict[str, list] = {}
    in_kind = []
    for seed in range(1, seeds + 1):
        arm, twin = Simulation.pair(scenario, seed)
        p, g = arm.model.people, arm.model.groups
        gain, went_new, given = np.zeros(p.n), np.zeros(p.n, bool), 0.0
        cover = arm.model.params.groups.volunteer_cover_gbp
        for _ in range(scenario.weeks):
            arm.step()
            twin.step()
            gain += (p.life_satisfaction - twin.model.people.life_satisfaction) / 52
            went = p.attended >= 0
            went_new |= went & g.opened_by_grant[np.maximum(p.attended, 0)]
            given += float((g.volunteers * (g.opened_by_grant & g.open)).sum()) * cover
        seen = p.seen_week >= 0
        scale = 1 / scenario.place.sample
        in_kind.append(given * scale)
        for label, who in (
            ("went to a grant-opened group only", went_new & ~seen),
            ("went to one and seen by outreach", went_new & seen),
            ("seen by outreach only", seen & ~went_new),
            ("neither", ~seen & ~went_new),
        ):
            totals.setdefault(label, []).append((who.sum() * scale, gain[who].sum() * scale))
    return {k: np.mean(v, axis=0) for k, v in totals.items()}, float(np.mean(in_kind))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="morecambe_bay")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    groups, in_kind = who_gains(args.scenario, args.seeds)
    print(f"{'residents':36s} {'how many':>9s} {'WELLBYs':>9s} {'each':>7s}")
    for label, (people, wellbys) in groups.items():
        print(f"{label:36s} {people:9,.0f} {wellbys:9,.1f} {wellbys / max(people, 1):7.3f}")
    print(f"volunteers of grant-opened groups give in kind: GBP {in_kind:,.0f}")


if __name__ == "__main__":
    main()
