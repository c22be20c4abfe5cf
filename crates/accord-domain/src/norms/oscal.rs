//! Export of a catalog version as an OSCAL catalog (NIST OSCAL 1.1), so compliance tools can
//! read the norms: norms as controls, indicators as parameters.
