"""Helpers shared by the stages: the leaf layer, which imports no stage.

One module per concern: ``dates`` (parsing and ISO times), ``zones`` (time-zone names),
``urls`` (absolute and untracked URLs, hosts), ``charset`` (bytes to text), ``sniff``
(what a document is), ``htmltext`` (HTML to plain text, text measures), ``htmldepth``
(nesting bounded before parsing), ``files`` (atomic writes).
"""
