"""The import of the national "Annuaire de l'éducation" CSV, by kind of code.

- `parse`: pure parsing and validation of the file (bytes in, plain data out, no database);
- `plan`: the parsed rows compared with the académie's establishments (reads only);
- `apply`: the writes: store a preview, apply it, cancel it.
"""
