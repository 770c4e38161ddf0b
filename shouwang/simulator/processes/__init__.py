"""The processes that make up a simulated month, one module each, in the order the engine runs them:
people, health, work, school, disasters (and failed farm projects), housing, water, then the truth
test, the departments' reactions and the self-reports.

Each process is a function ``process(world, month)``: it changes the ``World`` in place, reads and
adds to the ``Month``'s scratch values, and draws from its own random stream keyed by the month (see
``rng.stream``). Within a process the order of the draws is the output: reordering them changes every
file the simulator writes for a seed.
"""
