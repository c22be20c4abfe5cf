//! What Accord keeps of a valid advisory.

use std::fmt;

use serde_json::Value;

use crate::product_tree::{items, product_id_definitions};

/// The facts Accord records about a valid CSAF 2.0 advisory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `/document/tracking/id`, the publisher's id of the advisory.
    pub tracking_id: String,
    /// `/document/title`.
    pub title: String,
    /// `/document/tracking/initial_release_date`, as written (an RFC 3339 date-time).
    pub initial_release_date: String,
    /// `/document/tracking/current_release_date`, as written (an RFC 3339 date-time).
    pub current_release_date: String,
    /// `/document/tracking/status`.
    pub status: DocumentStatus,
    /// The CVE ids of the vulnerabilities (`/vulnerabilities[]/cve`), in document order.
    pub cve_ids: Vec<String>,
    /// The highest CVSS v3 base score among `/vulnerabilities[]/scores[]/cvss_v3`, if any.
    pub highest_cvss_v3: Option<CvssRating>,
    /// The number of products the product tree defines (distinct product ids).
    pub product_count: usize,
}

/// The draft status of a CSAF document (`/document/tracking/status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentStatus {
    /// `draft`: may change without notice.
    Draft,
    /// `final`: released.
    Final,
    /// `interim`: released, with changes expected soon.
    Interim,
}

impl DocumentStatus {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(DocumentStatus::Draft),
            "final" => Some(DocumentStatus::Final),
            "interim" => Some(DocumentStatus::Interim),
            _ => None,
        }
    }

    /// The value as CSAF writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Draft => "draft",
            DocumentStatus::Final => "final",
            DocumentStatus::Interim => "interim",
        }
    }
}

impl fmt::Display for DocumentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CVSS score from 0.0 to 10.0, held exactly as tenths so that it compares and orders
/// without floating-point surprises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CvssScore(u8);

impl CvssScore {
    /// The score from its JSON number; `None` outside 0.0..=10.0 or with more than one decimal.
    pub fn from_f64(score: f64) -> Option<Self> {
        let tenths = (score * 10.0).round();
        if !(0.0..=100.0).contains(&tenths) || (tenths / 10.0 - score).abs() > 1e-9 {
            return None;
        }
        Some(CvssScore(tenths as u8))
    }

    /// The score in tenths: 98 for 9.8.
    pub fn tenths(self) -> u8 {
        self.0
    }
}

impl fmt::Display for CvssScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// The qualitative severity rating of a CVSS v3 score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CvssSeverity {
    /// 0.0
    None,
    /// 0.1 – 3.9
    Low,
    /// 4.0 – 6.9
    Medium,
    /// 7.0 – 8.9
    High,
    /// 9.0 – 10.0
    Critical,
}

impl CvssSeverity {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "NONE" => Some(CvssSeverity::None),
            "LOW" => Some(CvssSeverity::Low),
            "MEDIUM" => Some(CvssSeverity::Medium),
            "HIGH" => Some(CvssSeverity::High),
            "CRITICAL" => Some(CvssSeverity::Critical),
            _ => None,
        }
    }

    /// The value as FIRST's schema writes it, e.g. `"CRITICAL"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CvssSeverity::None => "NONE",
            CvssSeverity::Low => "LOW",
            CvssSeverity::Medium => "MEDIUM",
            CvssSeverity::High => "HIGH",
            CvssSeverity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for CvssSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CVSS v3 base score with its severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CvssRating {
    /// `baseScore`.
    pub base_score: CvssScore,
    /// `baseSeverity`.
    pub base_severity: CvssSeverity,
}

/// Extracts the summary of a document; `None` if a required member is missing, which the
/// schema rules out for a valid document.
pub(crate) fn extract(doc: &Value) -> Option<Summary> {
    let document = doc.get("document")?;
    let tracking = document.get("tracking")?;
    let text = |v: &Value, key: &str| v.get(key)?.as_str().map(str::to_owned);
    let cve_ids = items(doc, "vulnerabilities")
        .filter_map(|(_, v)| text(v, "cve"))
        .collect();
    let highest_cvss_v3 = items(doc, "vulnerabilities")
        .flat_map(|(_, v)| items(v, "scores"))
        .filter_map(|(_, score)| {
            let cvss = score.get("cvss_v3")?;
            Some(CvssRating {
                base_score: CvssScore::from_f64(cvss.get("baseScore")?.as_f64()?)?,
                base_severity: CvssSeverity::parse(cvss.get("baseSeverity")?.as_str()?)?,
            })
        })
        .max_by_key(|rating| (rating.base_score, rating.base_severity));
    let mut product_ids: Vec<&str> = product_id_definitions(doc)
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    Some(Summary {
        tracking_id: text(tracking, "id")?,
        title: text(document, "title")?,
        initial_release_date: text(tracking, "initial_release_date")?,
        current_release_date: text(tracking, "current_release_date")?,
        status: DocumentStatus::parse(tracking.get("status")?.as_str()?)?,
        cve_ids,
        highest_cvss_v3,
        product_count: product_ids.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scores_are_exact_tenths() {
        assert_eq!(CvssScore::from_f64(9.8).map(CvssScore::tenths), Some(98));
        assert_eq!(
            CvssScore::from_f64(10.0).map(|s| s.to_string()),
            Some("10.0".into())
        );
        assert_eq!(
            CvssScore::from_f64(0.0).map(|s| s.to_string()),
            Some("0.0".into())
        );
        assert_eq!(CvssScore::from_f64(10.1), None);
        assert_eq!(CvssScore::from_f64(-0.1), None);
        assert_eq!(CvssScore::from_f64(5.55), None);
    }

    #[test]
    fn the_highest_cvss_v3_score_wins() {
        let doc = json!({
            "document": {"title": "T", "tracking": {
                "id": "X-1", "initial_release_date": "2024-01-01T00:00:00Z",
                "current_release_date": "2024-01-02T00:00:00Z", "status": "interim"}},
            "product_tree": {"full_product_names": [
                {"product_id": "A", "name": "a"}, {"product_id": "B", "name": "b"}]},
            "vulnerabilities": [
                {"cve": "CVE-2024-0001", "scores": [{"cvss_v3": {"baseScore": 5.5, "baseSeverity": "MEDIUM"}}]},
                {"scores": [{"cvss_v3": {"baseScore": 9.8, "baseSeverity": "CRITICAL"}},
                            {"cvss_v2": {"baseScore": 10.0}}]},
                {"cve": "CVE-2024-0002"}
            ]
        });
        let summary = extract(&doc).unwrap();
        assert_eq!(summary.tracking_id, "X-1");
        assert_eq!(summary.status, DocumentStatus::Interim);
        assert_eq!(summary.cve_ids, ["CVE-2024-0001", "CVE-2024-0002"]);
        assert_eq!(
            summary.highest_cvss_v3,
            Some(CvssRating {
                base_score: CvssScore(98),
                base_severity: CvssSeverity::Critical
            })
        );
        assert_eq!(summary.product_count, 2);
    }
}
