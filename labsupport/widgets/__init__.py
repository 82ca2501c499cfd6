"""Notebook widgets: live views of the lab's pods, and a "Check my work" button.

    from labsupport import widgets
    widgets.watch_pods(ctx)                 # a table that follows the lab's pods while you work (stops by itself)
    widgets.watch_pods(ctx, layout="nodes") # the same, one column per node
    widgets.live_diagram(ctx, "ownership")  # a diagram redrawn as pods change (try it during a rollout)
    widgets.check_button(ctx)               # runs the lab's checks and shows the results with hints
"""

from .check import CheckButton, check_button
from .pods import (LiveDiagram, PodWatch, live_diagram, pods_by_node_html, pods_table_html, stop_all,
                   watch_pods)

__all__ = ["CheckButton", "LiveDiagram", "PodWatch", "check_button", "live_diagram", "pods_by_node_html",
           "pods_table_html", "stop_all", "watch_pods"]
