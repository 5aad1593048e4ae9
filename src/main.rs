use clap::FromArgMatches;
use hotro::cli::{self, UserError, args, out};
use hotro::i18n::Catalog;

/// Exit status of a command whose reader went away (`hotro ticket list | head`), as if
/// killed by SIGPIPE like other Unix tools.
const EXIT_BROKEN_PIPE: i32 = 128 + 13;
/// Exit status of a command line that cannot be used as given (as clap's own errors).
const EXIT_USAGE: i32 = 2;

fn is_broken_pipe(text: &str) -> bool {
    text.contains("Broken pipe")
}

fn main() {
    hotro::search::limit_malloc_arenas();
    // Rust ignores SIGPIPE, so printing to a closed pipe panics; end quietly instead.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if is_broken_pipe(payload) {
            std::process::exit(EXIT_BROKEN_PIPE);
        }
        default_hook(info)
    }));
    let argv: Vec<String> = std::env::args().collect();
    let cat = match cli::lang_from_args(&argv) {
        Ok(lang) => Catalog::new(lang),
        Err(unknown) => {
            // Refused in the locale's language: the one asked for does not exist.
            let cat = Catalog::new(hotro::i18n::Lang::from_env());
            out::err_line(&format!(
                "{}: {}",
                cat.t("error.prefix"),
                unknown.message(&cat)
            ));
            std::process::exit(EXIT_USAGE);
        }
    };
    let matches = args::matches(&argv, &cat);
    let parsed = match args::Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let code = match cli::run(parsed, &cat) {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<UserError>() {
            Some(u) => {
                out::err_line(&format!("{}: {}", cat.t("error.prefix"), u.message));
                u.code
            }
            None if e
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
            {
                EXIT_BROKEN_PIPE
            }
            None if is_broken_pipe(&format!("{e:#}")) => EXIT_BROKEN_PIPE,
            None => {
                out::err_line(&format!("{}: {e:#}", cat.t("error.prefix")));
                1
            }
        },
    };
    std::process::exit(code);
}
