import { createRoot } from "react-dom/client";
import { registerServiceWorker } from "./pwa/register";
import { App } from "./ui/App";
import { applyTheme, savedTheme } from "./ui/theme";
import "./styles.css";

applyTheme(savedTheme());
createRoot(document.getElementById("root")!).render(<App />);
registerServiceWorker();
