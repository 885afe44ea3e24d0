"""The app's pages: each table's page at /, the facilitator's at /facilitator."""

import solara

from .background import warm_up
from .facilitator import FacilitatorPage
from .page import Page


@solara.component
def Layout(children=()):
    """Each page as it is, with no navigation between them: the tables need no link to the
    facilitator's page (its address is /facilitator)."""
    solara.Column(children=list(children), style={"padding": "0"})


routes = [
    solara.Route(path="/", component=Page, label="Tables", layout=Layout),
    solara.Route(path="facilitator", component=FacilitatorPage, label="Facilitator"),
]

warm_up()
