// Routes of the single-page app; Django returns index.html for each of these paths.
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { AuthProvider, useAuth } from "./components/auth";
import { ToastProvider } from "./components/toasts";
import LoginPage from "./pages/LoginPage";
import ResetPasswordPage from "./pages/ResetPasswordPage";
import ProjectsPage from "./pages/ProjectsPage";
import ProjectPage from "./pages/ProjectPage";
import EditorPage from "./pages/EditorPage";
import MyWorkPage from "./pages/MyWorkPage";
import AnalyticsPage from "./pages/AnalyticsPage";

function RequireAuth({ children }: { children: React.ReactNode }) {
  const { me, loading } = useAuth();
  const loc = useLocation();
  if (loading) return <div className="page-loading">Loading…</div>;
  if (!me) {
    const next = loc.pathname + loc.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

export default function App() {
  return (
    <ToastProvider>
      <AuthProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/reset/:uid/:token" element={<ResetPasswordPage />} />
          <Route path="/" element={<RequireAuth><ProjectsPage /></RequireAuth>} />
          <Route path="/projects/:id" element={<RequireAuth><ProjectPage /></RequireAuth>} />
          <Route path="/me/work" element={<RequireAuth><MyWorkPage /></RequireAuth>} />
          <Route path="/projects/:id/analytics" element={<RequireAuth><AnalyticsPage /></RequireAuth>} />
          <Route path="/videos/:id" element={<RequireAuth><EditorPage /></RequireAuth>} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </AuthProvider>
    </ToastProvider>
  );
}
