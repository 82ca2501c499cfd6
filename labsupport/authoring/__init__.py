"""Writing labs: where a lab's files live (``layout``), and a new lab from the template (``newlab``).

    python -m labsupport new-lab 04 services
"""

from labsupport.authoring.layout import LabLayout, discover, layout, notebook_tasks, parameters

__all__ = ["LabLayout", "discover", "layout", "notebook_tasks", "parameters"]
