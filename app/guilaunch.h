#pragma once

namespace pb::app {

// The console: `paybridge [--profile NAME] [--demo [--orders N] [--seed S]]`. Without a
// display the demo runs headless and anything else says a display is needed.
int runConsole(int argc, char **argv);

} // namespace pb::app
