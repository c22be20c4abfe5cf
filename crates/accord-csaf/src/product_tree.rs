//! Where a CSAF document defines and references product ids and product group ids.
//!
//! The walks read the document defensively: anything not shaped as the schema says is skipped
//! (the schema reports it), so they are safe on any JSON value.

use serde_json::Value;

use crate::pointer::Pointer;

/// The items of the array at `value[key]`, with their indices; empty if there is no such array.
pub(crate) fn items<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a Value)> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// The string items of the array at `value[key]`, with their indices.
pub(crate) fn strings<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a str)> {
    items(value, key).filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
}

/// Every `full_product_name_t` in the product tree, with the pointer to it, in document order:
/// products in branches (depth first), then `full_product_names`, then relationships.
pub(crate) fn full_product_names(doc: &Value) -> Vec<(Pointer, &Value)> {
    let mut out = Vec::new();
    let Some(tree) = doc.get("product_tree") else {
        return out;
    };
    let tree_at = Pointer::at("/product_tree");
    branch_products(tree, &tree_at, &mut out);
    for (i, product) in items(tree, "full_product_names") {
        out.push((tree_at.join("full_product_names").join(i), product));
    }
    for (i, relationship) in items(tree, "relationships") {
        if let Some(product) = relationship.get("full_product_name") {
            let at = tree_at
                .join("relationships")
                .join(i)
                .join("full_product_name");
            out.push((at, product));
        }
    }
    out
}

fn branch_products<'a>(parent: &'a Value, at: &Pointer, out: &mut Vec<(Pointer, &'a Value)>) {
    for (i, branch) in items(parent, "branches") {
        let branch_at = at.join("branches").join(i);
        if let Some(product) = branch.get("product") {
            out.push((branch_at.join("product"), product));
        }
        branch_products(branch, &branch_at, out);
    }
}

/// Every product id definition: `(pointer to the product_id, the id)`.
pub(crate) fn product_id_definitions(doc: &Value) -> Vec<(Pointer, &str)> {
    full_product_names(doc)
        .into_iter()
        .filter_map(|(at, product)| {
            let id = product.get("product_id")?.as_str()?;
            Some((at.join("product_id"), id))
        })
        .collect()
}

/// The members of `product_status` that list product ids.
pub(crate) const PRODUCT_STATUS_LISTS: [&str; 8] = [
    "first_affected",
    "first_fixed",
    "fixed",
    "known_affected",
    "known_not_affected",
    "last_affected",
    "recommended",
    "under_investigation",
];

/// Every place that refers to a product id defined elsewhere (spec 6.1.1's list):
/// `(pointer to the reference, the id)`.
pub(crate) fn product_id_references(doc: &Value) -> Vec<(Pointer, &str)> {
    let mut out = Vec::new();
    if let Some(tree) = doc.get("product_tree") {
        let tree_at = Pointer::at("/product_tree");
        for (i, group) in items(tree, "product_groups") {
            for (j, id) in strings(group, "product_ids") {
                let at = tree_at.join("product_groups").join(i).join("product_ids");
                out.push((at.join(j), id));
            }
        }
        for (i, relationship) in items(tree, "relationships") {
            for key in ["product_reference", "relates_to_product_reference"] {
                if let Some(id) = relationship.get(key).and_then(Value::as_str) {
                    out.push((tree_at.join("relationships").join(i).join(key), id));
                }
            }
        }
    }
    for (v, vulnerability) in items(doc, "vulnerabilities") {
        let v_at = Pointer::at("/vulnerabilities").join(v);
        if let Some(status) = vulnerability.get("product_status") {
            for list in PRODUCT_STATUS_LISTS {
                for (j, id) in strings(status, list) {
                    out.push((v_at.join("product_status").join(list).join(j), id));
                }
            }
        }
        for (array, member) in [
            ("flags", "product_ids"),
            ("remediations", "product_ids"),
            ("scores", "products"),
            ("threats", "product_ids"),
        ] {
            for (i, item) in items(vulnerability, array) {
                for (j, id) in strings(item, member) {
                    out.push((v_at.join(array).join(i).join(member).join(j), id));
                }
            }
        }
    }
    out
}

/// Every product group id definition: `(pointer to the group_id, the id)`.
pub(crate) fn group_id_definitions(doc: &Value) -> Vec<(Pointer, &str)> {
    let Some(tree) = doc.get("product_tree") else {
        return Vec::new();
    };
    items(tree, "product_groups")
        .filter_map(|(i, group)| {
            let id = group.get("group_id")?.as_str()?;
            let at = Pointer::at("/product_tree/product_groups")
                .join(i)
                .join("group_id");
            Some((at, id))
        })
        .collect()
}

/// Every reference to a product group id: `(pointer to the reference, the id)`.
pub(crate) fn group_id_references(doc: &Value) -> Vec<(Pointer, &str)> {
    let mut out = Vec::new();
    for (v, vulnerability) in items(doc, "vulnerabilities") {
        let v_at = Pointer::at("/vulnerabilities").join(v);
        for array in ["flags", "remediations", "threats"] {
            for (i, item) in items(vulnerability, array) {
                for (j, id) in strings(item, "group_ids") {
                    out.push((v_at.join(array).join(i).join("group_ids").join(j), id));
                }
            }
        }
    }
    out
}

/// The product ids of the product groups with id `group_id` (all of them, should it be defined
/// twice, which 6.1.5 reports).
pub(crate) fn group_members<'a>(doc: &'a Value, group_id: &str) -> Vec<&'a str> {
    let Some(tree) = doc.get("product_tree") else {
        return Vec::new();
    };
    items(tree, "product_groups")
        .filter(|(_, group)| group.get("group_id").and_then(Value::as_str) == Some(group_id))
        .flat_map(|(_, group)| strings(group, "product_ids").map(|(_, id)| id))
        .collect()
}

/// Whether `item` (a flag, threat or remediation) names `product_id`, directly in its
/// `product_ids` or through one of its `group_ids`.
pub(crate) fn names_product(doc: &Value, item: &Value, product_id: &str) -> bool {
    strings(item, "product_ids").any(|(_, id)| id == product_id)
        || strings(item, "group_ids")
            .any(|(_, group)| group_members(doc, group).contains(&product_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn definitions_are_found_in_branches_full_product_names_and_relationships() {
        let doc = json!({"product_tree": {
            "branches": [{"branches": [{"product": {"product_id": "A"}}]}],
            "full_product_names": [{"product_id": "B"}],
            "relationships": [{"full_product_name": {"product_id": "C"}}]
        }});
        let defs: Vec<_> = product_id_definitions(&doc)
            .into_iter()
            .map(|(p, id)| (p.to_string(), id))
            .collect();
        assert_eq!(
            defs,
            [
                (
                    "/product_tree/branches/0/branches/0/product/product_id".to_owned(),
                    "A"
                ),
                (
                    "/product_tree/full_product_names/0/product_id".to_owned(),
                    "B"
                ),
                (
                    "/product_tree/relationships/0/full_product_name/product_id".to_owned(),
                    "C"
                ),
            ]
        );
    }

    #[test]
    fn references_cover_groups_relationships_and_vulnerabilities() {
        let doc = json!({
            "product_tree": {
                "product_groups": [{"product_ids": ["A", "B"]}],
                "relationships": [{"product_reference": "C", "relates_to_product_reference": "D"}]
            },
            "vulnerabilities": [{
                "product_status": {"fixed": ["E"], "recommended": ["F"]},
                "flags": [{"product_ids": ["G"]}],
                "remediations": [{"product_ids": ["H"]}],
                "scores": [{"products": ["I"]}],
                "threats": [{"product_ids": ["J"]}]
            }]
        });
        let ids: Vec<_> = product_id_references(&doc)
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        assert_eq!(ids, ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"]);
    }

    #[test]
    fn a_product_is_named_directly_or_through_a_group() {
        let doc = json!({"product_tree": {"product_groups": [{"group_id": "G", "product_ids": ["A", "B"]}]}});
        assert!(names_product(&doc, &json!({"group_ids": ["G"]}), "B"));
        assert!(names_product(&doc, &json!({"product_ids": ["C"]}), "C"));
        assert!(!names_product(&doc, &json!({"group_ids": ["G"]}), "C"));
        assert!(!names_product(&json!(1), &json!(null), "C"));
    }
}
