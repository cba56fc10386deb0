"""Provider I/O, and nothing else: no Django models, no views.

``registry`` lists the adapters; ``base`` defines what they speak (dataclasses and typed errors);
``http`` builds clients, decodes replies and guards downloads; ``catalog`` caches the models a
key can use and estimates prices. Adding a provider means one module and one registry line.
"""
