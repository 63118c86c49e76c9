"""torch functions that pyt composes from its own tensor ops (one concept per module).

Composed this way they run on every device pyt supports and differentiate through the
autograd of the ops they are made of; no module here has its own kernel.
"""
