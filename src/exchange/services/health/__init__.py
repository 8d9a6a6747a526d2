"""The network's health: what each member gives and takes, what pledged units cost standing
empty, how long households wait, a forecast of need, a pledge plan, and the monthly report.

`facts` reads what the figures need (counts and times, never a household's details); `figures`,
`forecast`, `plan`, `charts` and the report renderers are pure; `service` holds the use cases.
"""
