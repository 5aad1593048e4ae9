//! `hotro kb new | edit | publish | retire | faq`: articles written and kept in hotro
//! (issue 19, part 5). The rules (what an edit of a published article does, who may publish)
//! are in the application layer and the domain; here: options, the `$EDITOR` template, words.

use super::args::{ArticleFields, KbCommand};
use super::{Env, UserError, out};
use crate::domain::kb::{ArticleInput, EditMode, PublishStep, TemplateError};
use crate::inert::one_line;
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

/// Run one of the writing subcommands.
pub(super) fn run(env: &Env<'_>, cmd: &KbCommand) -> Result<i32> {
    match cmd {
        KbCommand::New {
            reference,
            fields,
            publish,
            from,
            json,
        } => new(
            env,
            reference.as_deref(),
            fields,
            *publish,
            from.as_deref(),
            *json,
        ),
        KbCommand::Edit {
            reference,
            fields,
            from,
            json,
        } => edit(env, reference, fields, from.as_deref(), *json),
        KbCommand::Publish { reference } => publish(env, reference),
        KbCommand::Retire { reference } => retire(env, reference),
        KbCommand::Faq { json } => faq(env, *json),
        _ => Err(anyhow::anyhow!("internal: not a kb writing command")),
    }
}

#[derive(Serialize)]
struct Written<'a> {
    reference: &'a str,
    status: &'a str,
    version: i64,
    /// For an edit: `in_place` or `revision` (waiting for review).
    #[serde(skip_serializing_if = "Option::is_none")]
    kept_as: Option<&'a str>,
}

fn new(
    env: &Env<'_>,
    reference: Option<&str>,
    fields: &ArticleFields,
    publish: bool,
    from: Option<&Path>,
    json: bool,
) -> Result<i32> {
    let blank = ArticleInput::blank(reference.unwrap_or_default(), "vi");
    let (input, faq) = written(env, blank, false, fields, from)?;
    let reference = env.with_desk(|d| {
        d.new_article(&input, faq, publish)
            .map_err(|e| env.desk_err(e))
    })?;
    report(env, &reference, None, json)
}

fn edit(
    env: &Env<'_>,
    reference: &str,
    fields: &ArticleFields,
    from: Option<&Path>,
    json: bool,
) -> Result<i32> {
    let mut store = env.open()?;
    let current = store
        .article(reference)
        .map_err(|e| env.store_err(e))?
        .ok_or_else(|| {
            env.store_err(crate::store::StoreError::ArticleNotFound(reference.into()))
        })?;
    // An edit starts from the revision waiting for review, if there is one.
    let (base, faq) = match store
        .article_revision(reference)
        .map_err(|e| env.store_err(e))?
    {
        Some(r) => (r.input, r.faq),
        None => (current.input(), current.faq),
    };
    drop(store);
    let (input, faq) = written(env, base, faq, fields, from)?;
    let mode = env.with_desk(|d| d.edit_article(&input, faq).map_err(|e| env.desk_err(e)))?;
    report(env, &input.reference, Some(mode), json)
}

fn publish(env: &Env<'_>, reference: &str) -> Result<i32> {
    let step = env.with_desk(|d| d.publish_article(reference).map_err(|e| env.desk_err(e)))?;
    sync(env)?;
    let id = match step {
        PublishStep::Publish => "kb.published",
        PublishStep::ApplyRevision => "kb.revision_published",
    };
    say!("{}", env.cat.f(id, &[("ref", &one_line(reference))]));
    Ok(0)
}

fn retire(env: &Env<'_>, reference: &str) -> Result<i32> {
    env.with_desk(|d| d.retire_article(reference).map_err(|e| env.desk_err(e)))?;
    sync(env)?;
    say!(
        "{}",
        env.cat.f("kb.retired", &[("ref", &one_line(reference))])
    );
    Ok(0)
}

fn faq(env: &Env<'_>, json: bool) -> Result<i32> {
    let mut store = env.open()?;
    let list = store.faq_articles().map_err(|e| env.store_err(e))?;
    if json {
        out::json(&list)?;
        return Ok(0);
    }
    if list.is_empty() {
        say!("{}", env.cat.t("kb.faq_empty"));
    }
    for a in &list {
        say!(
            "{:<14} {:<12} {}",
            one_line(&a.reference),
            one_line(a.application.as_deref().unwrap_or("—")),
            one_line(&a.title)
        );
    }
    Ok(0)
}

/// Bring the search index up to date after a change, so the next search sees it.
fn sync(env: &Env<'_>) -> Result<()> {
    let mut store = env.open()?;
    super::synced_index(env, &mut store)?;
    Ok(())
}

/// What was written, in words or JSON.
fn report(env: &Env<'_>, reference: &str, mode: Option<EditMode>, json: bool) -> Result<i32> {
    sync(env)?;
    let mut store = env.open()?;
    let a = store
        .article(reference)
        .map_err(|e| env.store_err(e))?
        .ok_or_else(|| {
            env.store_err(crate::store::StoreError::ArticleNotFound(reference.into()))
        })?;
    if json {
        out::json(&Written {
            reference,
            status: &a.status,
            version: a.version,
            kept_as: mode.map(|m| match m {
                EditMode::InPlace => "in_place",
                EditMode::Revision => "revision",
            }),
        })?;
        return Ok(0);
    }
    let r = one_line(reference);
    let line = match mode {
        None => env.cat.f(
            "kb.created",
            &[
                ("ref", &r),
                (
                    "status",
                    &crate::describe::article_status(env.cat, &a.status),
                ),
            ],
        ),
        Some(EditMode::InPlace) => env
            .cat
            .f("kb.edited", &[("ref", &r), ("version", &a.version)]),
        Some(EditMode::Revision) => env.cat.f("kb.revised", &[("ref", &r)]),
    };
    say!("{line}");
    Ok(0)
}

/// The article as the user wrote it: `base` with the fields given as options, or the
/// template from `--from FILE`, or the template edited in `$EDITOR` (on a terminal only).
fn written(
    env: &Env<'_>,
    mut base: ArticleInput,
    faq: bool,
    fields: &ArticleFields,
    from: Option<&Path>,
) -> Result<(ArticleInput, bool)> {
    if let Some(file) = from {
        let bytes = super::read_input(env, file, crate::input::TEXT_LIMIT)?;
        let text = String::from_utf8_lossy(&bytes);
        return parsed(env, &base.reference, &text, file, false);
    }
    if fields.any() {
        let set = |slot: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                *slot = v.clone();
            }
        };
        set(&mut base.title, &fields.title);
        set(&mut base.lang, &fields.article_lang);
        set(&mut base.symptom, &fields.symptom);
        set(&mut base.cause, &fields.cause);
        set(&mut base.resolution, &fields.resolution);
        if fields.application.is_some() {
            base.application = fields.application.clone();
        }
        if fields.category.is_some() {
            base.category = fields.category.clone();
        }
        if !fields.tags.is_empty() {
            base.tags = fields.tags.clone();
        }
        let faq = if fields.faq {
            true
        } else if fields.no_faq {
            false
        } else {
            faq
        };
        let cleaned = base.cleaned_unnamed().map_err(|e| UserError {
            message: crate::describe::article_error(env.cat, &e),
            code: 1,
        })?;
        return Ok((cleaned, faq));
    }
    use std::io::IsTerminal;
    #[allow(clippy::disallowed_methods)] // asks, does not write
    let on_terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !on_terminal {
        return Err(UserError {
            message: env.cat.t("kb.no_fields"),
            code: 2,
        }
        .into());
    }
    let template = crate::domain::kb::template(&base, faq);
    let (path, mut file) = crate::input::private_temp_file("hotro-article")?;
    std::io::Write::write_all(&mut file, template.as_bytes())?;
    drop(file);
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_string());
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(&path)
        .status();
    if !status.as_ref().is_ok_and(|s| s.success()) {
        let _ = std::fs::remove_file(&path);
        return Err(env.user(
            env.cat
                .f("kb.editor_failed", &[("editor", &one_line(&editor))]),
        ));
    }
    let bytes = crate::input::read_bounded(&path, crate::input::TEXT_LIMIT)
        .map_err(|e| env.user(e.to_string()))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if text == template {
        let _ = std::fs::remove_file(&path);
        return Err(env.user(env.cat.t("kb.editor_unchanged")));
    }
    parsed(env, &base.reference, &text, &path, true)
}

/// Read a template; a mistake names the file and line (and the text is kept there).
fn parsed(
    env: &Env<'_>,
    reference: &str,
    text: &str,
    file: &Path,
    remove_when_read: bool,
) -> Result<(ArticleInput, bool)> {
    match crate::domain::kb::parse_template(reference, text) {
        Ok(found) => {
            if remove_when_read {
                let _ = std::fs::remove_file(file);
            }
            Ok(found)
        }
        Err(TemplateError { line, problem }) => {
            let problem = crate::describe::template_problem(env.cat, &problem);
            Err(env.user(env.cat.f(
                "kb.template_error",
                &[
                    ("file", &one_line(&file.display().to_string())),
                    ("line", &line),
                    ("problem", &one_line(&problem)),
                ],
            )))
        }
    }
}
