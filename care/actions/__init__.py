"""State changes of the care app, one module per concern (as cases.actions). Views, tasks, admin and the demo
call these and nothing else; callers import the module they mean (``from care.actions import meals``).

- ``enrolment``: taking a person on with their consent, their facts and emergency contacts, ending the service;
- ``meals``: meal subscriptions, pauses, the daily rounds and the volunteer's confirmation at the door;
- ``safety``: the escalation chain when nobody answers, and the cases opened for what is found at the door;
- ``visits``: visitor pairings (老伙伴计划) and visit records;
- ``routes``: planning a round's routes (the solver itself is ``care.routing``, pure).

Every function takes the actor (``by=``) and, where time matters, ``now=`` / ``today=`` so that tests drive a
clock of their own. Each write and its audit entry commit together.
"""
