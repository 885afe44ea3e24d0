"""Mesa agents as views: each field reads and writes the model's arrays at the agent's index."""

from __future__ import annotations

import mesa

from .groups import TYPE_NAMES


class ArrayField:
    """A Mesa agent attribute stored in an array of the model (`people` or `groups`)."""

    def __init__(self, store: str) -> None:
        self.store = store

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return getattr(getattr(agent.model, self.store), self.name)[agent.index].item()

    def __set__(self, agent, value) -> None:
        getattr(getattr(agent.model, self.store), self.name)[agent.index] = value


class ArrayView(mesa.Agent):
    """A Mesa agent whose `ArrayField`s are row `index` of the model's arrays."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index


class Resident(ArrayView):
    """A resident: a view of row `index` of the model's resident arrays."""

    neighbourhood = ArrayField("people")
    decile = ArrayField("people")
    quintile = ArrayField("people")
    deprivation = ArrayField("people")
    age_band = ArrayField("people")
    female = ArrayField("people")
    car = ArrayField("people")
    health_limited = ArrayField("people")
    activity_minutes = ArrayField("people")
    habit = ArrayField("people")
    confidence = ArrayField("people")
    awareness = ArrayField("people")
    life_satisfaction = ArrayField("people")
    lonely = ArrayField("people")
    very_good_health = ArrayField("people")
    rode_bus_out = ArrayField("people")  # took a bus out this week (model/outings.py)
    member_of = ArrayField("people")
    attended = ArrayField("people")

    @property
    def ties(self) -> int:
        return int(self.model.ties_per_person[self.index])


class Child(ArrayView):
    """A child aged 5-16: a view of row `index` of the model's children's arrays."""

    neighbourhood = ArrayField("children")
    quintile = ArrayField("children")
    age = ArrayField("children")
    minutes = ArrayField("children")
    daily_mile = ArrayField("children")


class CommunityGroup(ArrayView):
    """A community group: a view of row `index` of the model's group arrays."""

    kind = ArrayField("groups")
    venue = ArrayField("groups")
    capacity = ArrayField("groups")
    cost_gbp = ArrayField("groups")
    open = ArrayField("groups")
    funded_until = ArrayField("groups")
    opened_by_grant = ArrayField("groups")
    attendance = ArrayField("groups")
    members = ArrayField("groups")
    volunteers = ArrayField("groups")

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.kind]
