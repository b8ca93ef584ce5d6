"""The import of pupil counts from the ministry's open datasets, by kind of code.

- `parse`: pure parsing of the collèges' file (`fr-en-college-effectifs-niveau-sexe-lv`) and the
  second-degree file (`fr-en-effectifs-second-degre`), recognised from their header;
- `plan`: the counts of one school year compared with the académie's establishments (reads);
- `apply`: the writes: store a preview, apply it, cancel it.

The envelope changes a preview would cause are computed by `indemnities` (which may read
establishments; establishments never reads indemnities).
"""
