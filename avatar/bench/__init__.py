"""The benchmark behind `scripts/bench`: every figure a user feels, measured against its budget.

One module per figure (lipsync, draw, launch, drift, record, kiosk, memory); `main` runs them,
prints a table and writes bench.json. Nothing here is imported by the application itself.
"""
