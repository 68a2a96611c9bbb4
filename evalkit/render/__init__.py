"""Turn an executed report notebook into the files a consultant sends: HTML, PDF, DOCX, JSON.

* :mod:`~evalkit.render.fonts` — the bundled CJK font, subset per report and inlined;
* :mod:`~evalkit.render.html` — nbconvert with evalkit's offline template (no code, no scripts);
* :mod:`~evalkit.render.pdf` — WeasyPrint from that HTML, the font embedded;
* :mod:`~evalkit.render.docx` — python-docx from the report blocks, 宋体/黑体 on every style;
* :mod:`~evalkit.render.pipeline` — every requested format of one report, in memory.

Executing templates and writing files is :mod:`evalkit.batch`'s job (``evalkit run`` is a batch
of one).
"""
