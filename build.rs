fn main() {
    // Debug info: `shoot`'s layout lint finds the device's texts in the element tree
    // (i-slint-backend-testing's ElementHandle needs the element types the compiler records).
    let config = slint_build::CompilerConfiguration::new().with_debug_info(true);
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint compiles");
}
