"""Questions by voice: turning a visitor's recorded question into text (see base.py for the seam)."""
