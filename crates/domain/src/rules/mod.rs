//! The rules of SPEC section 4, decided in one place.
