//! Knowledge-base articles: past cases with symptom, cause and resolution.

use crate::domain::text::{
    MAX_SHORT_CHARS, MAX_TEXT_BYTES, MAX_TITLE_CHARS, normalize, normalize_line,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const LANGS: [&str; 3] = ["vi", "en", "zh"];
pub const STATUSES: [&str; 3] = ["draft", "published", "retired"];

/// An article as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    #[serde(rename = "ref")]
    pub reference: String,
    pub lang: String,
    pub application: Option<String>,
    pub category: Option<String>,
    pub title: String,
    pub symptom: String,
    pub cause: String,
    pub resolution: String,
    pub tags: Vec<String>,
    pub status: String,
    pub author: Option<String>,
    pub helped_count: i64,
    pub linked_tickets: Vec<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Listed among the frequently asked questions (`hotro kb faq`).
    #[serde(default)]
    pub faq: bool,
    /// Who wrote this version (an import, an edit, a publication of a revision).
    #[serde(default)]
    pub updated_by: Option<String>,
    /// Who published the text in force, and when.
    #[serde(default)]
    pub published_by: Option<String>,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
}

impl Article {
    /// The article as the fields an edit or an export starts from.
    pub fn input(&self) -> ArticleInput {
        ArticleInput {
            reference: self.reference.clone(),
            lang: self.lang.clone(),
            application: self.application.clone(),
            category: self.category.clone(),
            title: self.title.clone(),
            symptom: self.symptom.clone(),
            cause: self.cause.clone(),
            resolution: self.resolution.clone(),
            tags: self.tags.clone(),
            status: Some(self.status.clone()),
            author: self.author.clone(),
        }
    }
}

/// An article as imported or edited: the fields of the knowledge-base JSONL files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    #[serde(rename = "ref")]
    pub reference: String,
    pub lang: String,
    #[serde(default)]
    pub application: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    pub title: String,
    #[serde(default)]
    pub symptom: String,
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub resolution: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long ({got}, at most {max})")]
    TooLong {
        field: &'static str,
        got: usize,
        max: usize,
    },
    #[error("unknown language `{0}`; expected vi, en or zh")]
    Lang(String),
    #[error("unknown status `{0}`; expected draft, published or retired")]
    Status(String),
}

impl ArticleInput {
    /// An article with nothing written yet: `reference` (may be empty: a new article gets
    /// its ref when saved) in language `lang`; the start of a template or of fields given
    /// as options.
    pub fn blank(reference: &str, lang: &str) -> ArticleInput {
        ArticleInput {
            reference: reference.to_string(),
            lang: lang.to_string(),
            application: None,
            category: None,
            title: String::new(),
            symptom: String::new(),
            cause: String::new(),
            resolution: String::new(),
            tags: Vec::new(),
            status: None,
            author: None,
        }
    }

    /// [`ArticleInput::cleaned`] for an article whose ref may not be chosen yet (a new
    /// article gets the next free `KB-NNNNN` when it is saved): an empty ref stays empty.
    pub fn cleaned_unnamed(&self) -> Result<ArticleInput, ArticleError> {
        if !self.reference.trim().is_empty() {
            return self.cleaned();
        }
        let mut named = self.clone();
        named.reference = "-".into();
        let mut cleaned = named.cleaned()?;
        cleaned.reference = String::new();
        Ok(cleaned)
    }

    /// Normalise (NFC, trimmed lines) and check.
    pub fn cleaned(&self) -> Result<ArticleInput, ArticleError> {
        let line = |field: &'static str, v: &str, max: usize| -> Result<String, ArticleError> {
            let v = normalize_line(v);
            if v.is_empty() {
                return Err(ArticleError::Empty { field });
            }
            let got = v.chars().count();
            if got > max {
                return Err(ArticleError::TooLong { field, got, max });
            }
            Ok(v)
        };
        let text = |field: &'static str, v: &str| -> Result<String, ArticleError> {
            let v = normalize(v).trim().to_string();
            if v.len() > MAX_TEXT_BYTES {
                return Err(ArticleError::TooLong {
                    field,
                    got: v.len(),
                    max: MAX_TEXT_BYTES,
                });
            }
            Ok(v)
        };
        let lang = self.lang.trim().to_ascii_lowercase();
        if !LANGS.contains(&lang.as_str()) {
            return Err(ArticleError::Lang(self.lang.clone()));
        }
        let status = self
            .status
            .as_deref()
            .unwrap_or("published")
            .trim()
            .to_ascii_lowercase();
        if !STATUSES.contains(&status.as_str()) {
            return Err(ArticleError::Status(status));
        }
        let optional =
            |v: &Option<String>| v.as_deref().map(normalize_line).filter(|s| !s.is_empty());
        Ok(ArticleInput {
            reference: line("ref", &self.reference, MAX_SHORT_CHARS)?,
            lang,
            application: optional(&self.application),
            category: optional(&self.category),
            title: line("title", &self.title, MAX_TITLE_CHARS)?,
            symptom: text("symptom", &self.symptom)?,
            cause: text("cause", &self.cause)?,
            resolution: text("resolution", &self.resolution)?,
            tags: self
                .tags
                .iter()
                .map(|t| normalize_line(t))
                .filter(|t| !t.is_empty())
                .collect(),
            status: Some(status),
            author: optional(&self.author),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ArticleInput {
        ArticleInput {
            reference: " KB-1 ".into(),
            lang: "VI".into(),
            application: Some("TABMIS".into()),
            category: None,
            title: "Mật khẩu hết hạn".into(),
            symptom: "a\r\nb".into(),
            cause: String::new(),
            resolution: "Đổi mật khẩu".into(),
            tags: vec![" x ".into(), "".into()],
            status: None,
            author: None,
        }
    }

    #[test]
    fn cleaning_normalises() {
        let c = input().cleaned().unwrap();
        assert_eq!(
            (c.reference.as_str(), c.lang.as_str(), c.symptom.as_str()),
            ("KB-1", "vi", "a\nb")
        );
        assert_eq!(c.tags, ["x"]);
        assert_eq!(c.status.as_deref(), Some("published"));
    }

    #[test]
    fn bad_articles_are_refused() {
        assert_eq!(
            ArticleInput {
                title: " ".into(),
                ..input()
            }
            .cleaned(),
            Err(ArticleError::Empty { field: "title" })
        );
        assert_eq!(
            ArticleInput {
                lang: "fr".into(),
                ..input()
            }
            .cleaned(),
            Err(ArticleError::Lang("fr".into()))
        );
        assert_eq!(
            ArticleInput {
                status: Some("gone".into()),
                ..input()
            }
            .cleaned(),
            Err(ArticleError::Status("gone".into()))
        );
    }
}

/// A field of an article that names something the organisation's configuration does not
/// know (issue 18, "Imports from Windows tools"): imported as given, and reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownReference {
    /// The article's `ref`.
    pub reference: String,
    /// `application` or `category`.
    pub field: &'static str,
    pub value: String,
}

/// The applications and categories in `articles` that `org` does not know. An application is
/// known by its code (any case) or its name; a category by its id or its name in any
/// language.
pub fn unknown_references(
    articles: &[ArticleInput],
    org: &crate::domain::org::Organisation,
) -> Vec<UnknownReference> {
    let mut out = Vec::new();
    for a in articles {
        if let Some(app) = &a.application
            && org.application(app).is_none()
            && !org.applications.iter().any(|x| x.name == *app)
        {
            out.push(UnknownReference {
                reference: a.reference.clone(),
                field: "application",
                value: app.clone(),
            });
        }
        if let Some(cat) = &a.category
            && org.category(cat).is_none()
            && !org.categories.iter().any(|c| {
                c.name.vi == *cat || c.name.en == *cat || c.name.zh.as_deref() == Some(cat)
            })
        {
            out.push(UnknownReference {
                reference: a.reference.clone(),
                field: "category",
                value: cat.clone(),
            });
        }
    }
    out
}

/// A line of an import file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// Read a JSONL file of articles. Every line is checked; any error refuses the whole file
/// (an import is all or nothing), and every bad line is reported with its number.
pub fn parse_jsonl(bytes: &[u8]) -> Result<Vec<ArticleInput>, Vec<LineError>> {
    let mut articles = Vec::new();
    let mut errors = Vec::new();
    let mut refs = std::collections::HashMap::new();
    // Windows tools (Notepad, Excel's "Unicode text") start a file with a byte-order mark:
    // UTF-8's is skipped; UTF-16 is refused with how to save the file instead.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(vec![LineError {
            line: 1,
            message: "the file is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8 (in Notepad: Save as, Encoding UTF-8) and import it again".into(),
        }]);
    }
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if let Some(at) = raw.iter().position(|&b| b == 0) {
            errors.push(LineError {
                line,
                message: format!(
                    "a NUL byte (0x00) at column {}: the line holds binary data or UTF-16 text; save the file as UTF-8 text",
                    at + 1
                ),
            });
            continue;
        }
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t,
            Err(e) => {
                errors.push(LineError {
                    line,
                    message: format!("not UTF-8 (bad byte at column {})", e.valid_up_to() + 1),
                });
                continue;
            }
        };
        let parsed: ArticleInput = match serde_json::from_str(text) {
            Ok(a) => a,
            Err(e) => {
                errors.push(LineError {
                    line,
                    message: e.to_string(),
                });
                continue;
            }
        };
        match parsed.cleaned() {
            Ok(a) => {
                if let Some(first) = refs.insert(a.reference.clone(), line) {
                    errors.push(LineError {
                        line,
                        message: format!("ref {} is also on line {first}", a.reference),
                    });
                }
                articles.push(a);
            }
            Err(e) => errors.push(LineError {
                line,
                message: e.to_string(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(articles)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod import_tests {
    use super::*;

    #[test]
    fn a_good_file_imports() {
        let text = "{\"ref\":\"KB-1\",\"lang\":\"vi\",\"title\":\"Mật khẩu\",\"symptom\":\"s\",\"cause\":\"c\",\"resolution\":\"r\",\"tags\":[\"a\"]}\n\n{\"ref\":\"KB-2\",\"lang\":\"zh\",\"title\":\"网络\"}\r\n";
        let a = parse_jsonl(text.as_bytes()).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].title, "网络");
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let mut bytes = b"{\"ref\":\"KB-1\",\"lang\":\"vi\",\"title\":\"ok\"}\n".to_vec();
        bytes.extend_from_slice(b"{\"ref\":\"KB-2\",\"lang\":\"vi\",\"title\":\"\xff\"}\n");
        bytes.extend_from_slice(b"{\"ref\":\"KB-3\",\"lang\":\"vi\"}\n");
        bytes.extend_from_slice(
            b"{\"ref\":\"KB-4\",\"lang\":\"vi\",\"title\":\"t\",\"colour\":1}\n",
        );
        bytes.extend_from_slice(b"{\"ref\":\"KB-1\",\"lang\":\"vi\",\"title\":\"again\"}\n");
        bytes.extend_from_slice(b"not json\n");
        let errors = parse_jsonl(&bytes).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6]);
        assert!(errors[0].message.contains("UTF-8"));
        assert!(errors[1].message.contains("title"));
        assert!(errors[2].message.contains("colour"));
        assert!(errors[3].message.contains("line 1"));
    }
}

// ---- writing and keeping articles (issue 19, part 5) -------------------------------------

/// What a change to an article's text does, by its status: a draft or a retired article is
/// changed in place (a new version); a published one gets a *revision* that waits for review,
/// while the published text stays in force and searchable until the revision is published.
/// (The knowledge base is what key users search first: a text nobody reviewed never
/// replaces one that helped.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditMode {
    InPlace,
    Revision,
}

/// How a change to an article of `status` is kept.
pub fn edit_mode(status: &str) -> EditMode {
    if status == "published" {
        EditMode::Revision
    } else {
        EditMode::InPlace
    }
}

/// What publishing an article does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishStep {
    /// A draft or retired article becomes published as it is.
    Publish,
    /// A published article's pending revision replaces its text.
    ApplyRevision,
}

/// Why an article cannot be published or retired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("article {reference} is already published and has no revision waiting")]
    NothingToPublish { reference: String },
    #[error("article {reference} is already retired")]
    AlreadyRetired { reference: String },
}

/// What publishing article `reference` (of `status`, with or without a revision waiting)
/// does.
pub fn publish_step(
    reference: &str,
    status: &str,
    has_revision: bool,
) -> Result<PublishStep, LifecycleError> {
    match (status, has_revision) {
        ("published", true) => Ok(PublishStep::ApplyRevision),
        ("published", false) => Err(LifecycleError::NothingToPublish {
            reference: reference.to_string(),
        }),
        _ => Ok(PublishStep::Publish),
    }
}

/// Whether article `reference` of `status` may be retired.
pub fn may_retire(reference: &str, status: &str) -> Result<(), LifecycleError> {
    if status == "retired" {
        return Err(LifecycleError::AlreadyRetired {
            reference: reference.to_string(),
        });
    }
    Ok(())
}

/// The plain template an article is written in with `$EDITOR` (`hotro kb new`, `kb edit`,
/// the console's knowledge screen): header lines `Key: value`, then the three texts under
/// `## Symptom`, `## Cause`, `## Resolution`. Lines starting with `#` followed by a space
/// before the first section are comments.
pub fn template(a: &ArticleInput, faq: bool) -> String {
    format!(
        "# Lines starting with \"# \" are ignored. Keep the headings.\n\
         Title: {}\nLanguage: {}\nApplication: {}\nCategory: {}\nTags: {}\nFAQ: {}\n\n\
         ## Symptom\n{}\n\n## Cause\n{}\n\n## Resolution\n{}\n",
        a.title,
        a.lang,
        a.application.as_deref().unwrap_or(""),
        a.category.as_deref().unwrap_or(""),
        a.tags.join(", "),
        if faq { "yes" } else { "no" },
        a.symptom,
        a.cause,
        a.resolution,
    )
}

/// A template that cannot be read: the 1-based line and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct TemplateError {
    pub line: usize,
    pub problem: TemplateProblem,
}

/// What is wrong in a template line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateProblem {
    #[error("unknown heading `{0}`; expected Title, Language, Application, Category, Tags or FAQ")]
    UnknownKey(String),
    #[error("unknown section `{0}`; expected ## Symptom, ## Cause or ## Resolution")]
    UnknownSection(String),
    #[error("`{0}` is not a header line (Key: value) and comes before the first section")]
    NotAHeader(String),
    #[error("FAQ must be yes or no, not `{0}`")]
    Faq(String),
    #[error(transparent)]
    Article(#[from] ArticleError),
}

/// Read a filled-in [`template`] into the article `reference` (checked and cleaned as an
/// import line would be) and its FAQ flag.
pub fn parse_template(reference: &str, text: &str) -> Result<(ArticleInput, bool), TemplateError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut a = ArticleInput::blank(reference, "vi");
    let mut faq = false;
    let mut section: Option<&'static str> = None;
    let mut title_line = 1;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if let Some(name) = trimmed.strip_prefix("## ") {
            section = Some(match name.trim().to_lowercase().as_str() {
                "symptom" | "triệu chứng" | "症状" => "symptom",
                "cause" | "nguyên nhân" | "原因" => "cause",
                "resolution" | "cách xử lý" | "解决方法" => "resolution",
                other => {
                    return Err(TemplateError {
                        line,
                        problem: TemplateProblem::UnknownSection(other.to_string()),
                    });
                }
            });
            continue;
        }
        match section {
            Some(field) => {
                let target = match field {
                    "symptom" => &mut a.symptom,
                    "cause" => &mut a.cause,
                    _ => &mut a.resolution,
                };
                target.push_str(raw);
                target.push('\n');
            }
            None => {
                if trimmed.is_empty() || trimmed == "#" || trimmed.starts_with("# ") {
                    continue;
                }
                let Some((key, value)) = trimmed.split_once(':') else {
                    return Err(TemplateError {
                        line,
                        problem: TemplateProblem::NotAHeader(trimmed.to_string()),
                    });
                };
                let value = value.trim();
                let optional = |v: &str| (!v.is_empty()).then(|| v.to_string());
                match key.trim().to_lowercase().as_str() {
                    "title" => {
                        a.title = value.to_string();
                        title_line = line;
                    }
                    "language" | "lang" => a.lang = value.to_string(),
                    "application" | "app" => a.application = optional(value),
                    "category" => a.category = optional(value),
                    "tags" => {
                        a.tags = value
                            .split(',')
                            .map(|t| t.trim().to_string())
                            .filter(|t| !t.is_empty())
                            .collect()
                    }
                    "faq" => {
                        faq = match value.to_lowercase().as_str() {
                            "yes" | "y" | "true" | "1" | "có" => true,
                            "no" | "n" | "false" | "0" | "không" | "" => false,
                            other => {
                                return Err(TemplateError {
                                    line,
                                    problem: TemplateProblem::Faq(other.to_string()),
                                });
                            }
                        }
                    }
                    other => {
                        return Err(TemplateError {
                            line,
                            problem: TemplateProblem::UnknownKey(other.to_string()),
                        });
                    }
                }
            }
        }
    }
    let cleaned = a.cleaned_unnamed().map_err(|e| TemplateError {
        line: title_line,
        problem: TemplateProblem::Article(e),
    })?;
    Ok((cleaned, faq))
}

#[cfg(test)]
mod template_tests {
    use super::*;

    fn article() -> ArticleInput {
        ArticleInput {
            reference: "KB-7".into(),
            lang: "vi".into(),
            application: Some("TABMIS".into()),
            category: Some("Lỗi do NSD".into()),
            title: "Quên mật khẩu TABMIS".into(),
            symptom: "Không đăng nhập được.\n\nBáo sai mật khẩu.".into(),
            cause: "Mật khẩu hết hạn.".into(),
            resolution: "Đặt lại mật khẩu trên trang quản trị.".into(),
            tags: vec!["mật khẩu".into(), "TABMIS".into()],
            status: Some("published".into()),
            author: None,
        }
    }

    #[test]
    fn a_template_reads_back_as_written() {
        let a = article();
        let text = template(&a, true);
        let (back, faq) = parse_template("KB-7", &text).unwrap();
        assert!(faq);
        assert_eq!(back.title, a.title);
        assert_eq!(back.application, a.application);
        assert_eq!(back.category, a.category);
        assert_eq!(back.symptom, a.symptom);
        assert_eq!(back.cause, a.cause);
        assert_eq!(back.resolution, a.resolution);
        assert_eq!(back.tags, a.tags);
    }

    #[test]
    fn template_mistakes_name_their_line() {
        let bad = "Title: x\nColour: red\n";
        assert_eq!(
            parse_template("KB-1", bad).unwrap_err(),
            TemplateError {
                line: 2,
                problem: TemplateProblem::UnknownKey("colour".into())
            }
        );
        let no_title = "Language: vi\n\n## Symptom\nx\n";
        assert!(matches!(
            parse_template("KB-1", no_title).unwrap_err().problem,
            TemplateProblem::Article(ArticleError::Empty { field: "title" })
        ));
        let faq = "Title: x\nFAQ: maybe\n";
        assert_eq!(parse_template("KB-1", faq).unwrap_err().line, 2);
        let section = "Title: x\n## Steps\n";
        assert_eq!(parse_template("KB-1", section).unwrap_err().line, 2);
    }

    #[test]
    fn published_text_is_revised_and_the_lifecycle_is_checked() {
        assert_eq!(edit_mode("published"), EditMode::Revision);
        assert_eq!(edit_mode("draft"), EditMode::InPlace);
        assert_eq!(edit_mode("retired"), EditMode::InPlace);
        assert_eq!(publish_step("K", "draft", false), Ok(PublishStep::Publish));
        assert_eq!(
            publish_step("K", "published", true),
            Ok(PublishStep::ApplyRevision)
        );
        assert!(publish_step("K", "published", false).is_err());
        assert!(may_retire("K", "retired").is_err());
        assert!(may_retire("K", "published").is_ok());
    }
}
