"""Lambda's init phase without the garbage collector: imported first by every function, `loaded()` last.

Loading botocore, Powertools and pydantic allocates a few hundred thousand objects that live as long as the
process; the collector would walk them over and over while they load (30-40 ms of a cold start, measured by
`python -m bench cold_import`). Once loaded they are frozen, so later collections skip them too.
"""

import gc

gc.disable()


def loaded() -> None:
    gc.freeze()
    gc.enable()
