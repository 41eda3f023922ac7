"""The code of ``trivial.ipynb`` as a plain script (the baseline of the per-run overhead case)."""

n: int = 1000  # how many integers to add up
label: str = "trivial"  # a string parameter, to exercise injection

total = sum(range(n))
print(label, total)
