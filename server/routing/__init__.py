"""Route optimisation and delivery geometry — pure Python (no Piccolo, no Litestar).

- problem.py: the dataclasses a caller fills (Problem, Visit, Vehicle) and gets back (Solution …)
- matrix.py: distance/time matrices (haversine offline by default, OSRM `table` when configured)
- vrp.py: solve(problem) — capacitated VRP with time windows on OR-Tools routing
- solomon.py: Solomon VRPTW benchmark files → Problem (for the CLI and bench/routing.py)
"""
