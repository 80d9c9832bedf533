fn main() -> std::process::ExitCode {
    zhongjie::cli::main()
}
