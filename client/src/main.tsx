import { createRoot } from "react-dom/client";
import { registerServiceWorker } from "./pwa/register";
import { App } from "./ui/App";
import "./styles.css";

createRoot(document.getElementById("root")!).render(<App />);
registerServiceWorker();
