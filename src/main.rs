use clap::{CommandFactory, FromArgMatches};
use hotro::cli::{self, UserError, args};
use hotro::i18n::Catalog;

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let cat = Catalog::new(cli::lang_from_args(&argv));
    let matches = args::localize(args::Cli::command(), &cat).get_matches_from(&argv);
    let parsed = match args::Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let code = match cli::run(parsed, &cat) {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<UserError>() {
            Some(u) => {
                eprintln!("{}: {}", cat.t("error.prefix"), u.message);
                u.code
            }
            None => {
                eprintln!("{}: {e:#}", cat.t("error.prefix"));
                1
            }
        },
    };
    std::process::exit(code);
}
