"""Personal data, for every domain that records people (petitioners, fraud victims, people
warned about, deputies, members of the public): how their details read masked
(``masking``), how an ID number is checked (``idcard``), and who may read them in full and
how that reading is logged (``access``)."""
