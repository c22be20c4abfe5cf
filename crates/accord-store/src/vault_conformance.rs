//! The conformance suite every [`Vault`] backend runs from its own tests.
//!
//! Like the [`Store`](crate::Store) suite: each `check_*` takes a *fresh, empty* vault,
//! exercises one part of the contract and panics with a message naming what went wrong.

use crate::{Sealed, Vault};

/// One vault conformance check.
pub type VaultCheck<V> = fn(&V);

/// Every vault check, by name.
pub fn vault_checks<V: Vault>() -> Vec<(&'static str, VaultCheck<V>)> {
    vec![
        ("vault_empty", check_vault_empty),
        ("vault_put_get", check_vault_put_get),
        ("vault_put_is_idempotent", check_vault_put_is_idempotent),
        (
            "vault_put_other_content_refused",
            check_vault_put_other_content_refused,
        ),
        (
            "vault_put_many_all_or_none",
            check_vault_put_many_all_or_none,
        ),
        ("vault_erase", check_vault_erase),
        ("vault_keys_are_pairs", check_vault_keys_are_pairs),
    ]
}

/// A deterministic item: salt and content derived from `n` (content of `len` bytes, binary).
pub fn test_sealed(n: u8, len: usize) -> Sealed {
    Sealed {
        salt: [n; 32],
        content: (0..len).map(|i| (i as u8).wrapping_mul(31) ^ n).collect(),
    }
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// A fresh vault holds nothing.
pub fn check_vault_empty<V: Vault>(vault: &V) {
    assert!(
        ok(vault.list(), "list").is_empty(),
        "a fresh vault lists items"
    );
    assert_eq!(ok(vault.get("cert-a", "x"), "get"), None);
    assert!(
        !ok(vault.erase("cert-a", "x"), "erase"),
        "erased what was never stored"
    );
}

/// What is put comes back byte for byte, empty and large content included.
pub fn check_vault_put_get<V: Vault>(vault: &V) {
    for (n, len) in [(1u8, 0usize), (2, 1), (3, 70_000)] {
        let id = format!("item-{n}");
        let sealed = test_sealed(n, len);
        ok(vault.put("cert-a", &id, &sealed), "put");
        assert_eq!(
            ok(vault.get("cert-a", &id), "get"),
            Some(sealed),
            "item of {len} bytes did not come back as stored"
        );
    }
}

/// Storing the same item again with the same content changes nothing.
pub fn check_vault_put_is_idempotent<V: Vault>(vault: &V) {
    let sealed = test_sealed(7, 100);
    ok(vault.put("cert-a", "pcap", &sealed), "put");
    ok(vault.put("cert-a", "pcap", &sealed), "put again");
    ok(
        vault.put_many(&[("cert-a".into(), "pcap".into(), sealed.clone())]),
        "put_many again",
    );
    assert_eq!(ok(vault.list(), "list"), [("cert-a".into(), "pcap".into())]);
    assert_eq!(ok(vault.get("cert-a", "pcap"), "get"), Some(sealed));
}

/// The content is fixed by the logged commitment: other content (or another salt) is refused,
/// and the stored item stays.
pub fn check_vault_put_other_content_refused<V: Vault>(vault: &V) {
    let sealed = test_sealed(7, 100);
    ok(vault.put("cert-a", "pcap", &sealed), "put");
    assert!(
        vault.put("cert-a", "pcap", &test_sealed(7, 101)).is_err(),
        "other content accepted"
    );
    let mut other_salt = sealed.clone();
    other_salt.salt[0] ^= 1;
    assert!(
        vault.put("cert-a", "pcap", &other_salt).is_err(),
        "other salt accepted"
    );
    assert_eq!(ok(vault.get("cert-a", "pcap"), "get"), Some(sealed));
}

/// `put_many` stores everything or, when one item conflicts, nothing.
pub fn check_vault_put_many_all_or_none<V: Vault>(vault: &V) {
    ok(vault.put("cert-a", "b", &test_sealed(2, 10)), "put");
    let items: Vec<(String, String, Sealed)> = vec![
        ("cert-a".into(), "a".into(), test_sealed(1, 10)),
        ("cert-a".into(), "b".into(), test_sealed(9, 10)), // conflicts
        ("cert-a".into(), "c".into(), test_sealed(3, 10)),
    ];
    assert!(
        vault.put_many(&items).is_err(),
        "a conflicting batch was accepted"
    );
    assert_eq!(
        ok(vault.list(), "list"),
        [("cert-a".into(), "b".into())],
        "a refused batch left items behind"
    );
    let good: Vec<_> = items.into_iter().filter(|(_, id, _)| id != "b").collect();
    ok(vault.put_many(&good), "put_many");
    assert_eq!(
        ok(vault.list(), "list"),
        [
            ("cert-a".into(), "a".into()),
            ("cert-a".into(), "b".into()),
            ("cert-a".into(), "c".into())
        ]
    );
}

/// Erasure removes the item for good and says whether there was one; the id can be used again.
pub fn check_vault_erase<V: Vault>(vault: &V) {
    ok(vault.put("cert-a", "pcap", &test_sealed(4, 50)), "put");
    ok(vault.put("cert-a", "other", &test_sealed(5, 50)), "put");
    assert!(ok(vault.erase("cert-a", "pcap"), "erase"));
    assert!(!ok(vault.erase("cert-a", "pcap"), "erase again"));
    assert_eq!(ok(vault.get("cert-a", "pcap"), "get"), None);
    assert_eq!(
        ok(vault.list(), "list"),
        [("cert-a".into(), "other".into())]
    );
    assert_eq!(
        ok(vault.get("cert-a", "other"), "get"),
        Some(test_sealed(5, 50)),
        "erasing one item touched another"
    );
}

/// Items are keyed by (owner, id): the same id under two owners is two items, listed in order.
pub fn check_vault_keys_are_pairs<V: Vault>(vault: &V) {
    ok(vault.put("zeta-cert", "x", &test_sealed(1, 5)), "put");
    ok(vault.put("alpha-cert", "x", &test_sealed(2, 5)), "put");
    ok(vault.put("alpha-cert", "w", &test_sealed(3, 5)), "put");
    assert_eq!(
        ok(vault.list(), "list"),
        [
            ("alpha-cert".into(), "w".into()),
            ("alpha-cert".into(), "x".into()),
            ("zeta-cert".into(), "x".into())
        ],
        "list is not ordered by (owner, id)"
    );
    assert_eq!(
        ok(vault.get("zeta-cert", "x"), "get"),
        Some(test_sealed(1, 5))
    );
    assert_eq!(
        ok(vault.get("alpha-cert", "x"), "get"),
        Some(test_sealed(2, 5))
    );
}
